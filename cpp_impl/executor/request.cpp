#include "request.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

namespace threadspec::executor {

using nlohmann::json;

const Field* Step::find(std::string_view name) const noexcept {
  for (const auto& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const Field& Step::at(std::string_view name) const {
  if (const Field* f = find(name)) return *f;
  throw BadRequest("step '" + std::string(spec->name) + "' has no field '" + std::string(name) +
                   "'");
}

std::optional<FieldKind> field_kind(std::string_view k) {
  static constexpr std::pair<std::string_view, FieldKind> kKinds[] = {
      {"new-var", FieldKind::new_var},
      {"var", FieldKind::var},
      {"fn", FieldKind::fn},
      {"fn-or-default", FieldKind::fn_or_default},
      {"callable", FieldKind::callable},
      {"template", FieldKind::text},
      {"value", FieldKind::value},
      {"values", FieldKind::values},
      {"kwargs", FieldKind::kwargs},
      {"expr", FieldKind::expr},
      {"seconds", FieldKind::seconds},
      {"int", FieldKind::integer},
      {"bool", FieldKind::boolean},
      {"steps", FieldKind::steps},
      {"exception-type", FieldKind::exception_type},
      {"handlers", FieldKind::handlers},
      {"stream", FieldKind::stream},
      {"assign-target", FieldKind::assign_target},
      {"class-name", FieldKind::class_name},
      {"none", FieldKind::none},
      {"none-or-default", FieldKind::none_or_default},
  };
  for (const auto& [name, kind] : kKinds) {
    if (name == k) return kind;
  }
  return std::nullopt;
}

namespace {

/// The JSON type of a value in the words of the format ("a string", "an integer", ...).
std::string describe(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a number";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "a list";
    case json::value_t::object:
      return "a mapping";
    default:
      return "an unsupported value";
  }
}

/// Rejects nesting deeper than kMaxJsonDepth before the JSON parser (which recurses) sees
/// the text. Brackets inside strings do not count.
void check_nesting(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) {
        throw BadRequest("bad JSON: nested deeper than " + std::to_string(kMaxJsonDepth) +
                         " levels");
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

bool is_name(const std::string& s) {
  if (s.empty() || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
    return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  return true;
}

/// An integer of the 64-bit range from a JSON number that is integral (1 and 1.0 alike, as
/// JSON Schema's "integer"); nullopt otherwise.
std::optional<long long> integral(const json& j) {
  if (j.is_number_integer() && !j.is_number_unsigned()) return j.get<long long>();
  if (j.is_number_unsigned()) {
    const auto u = j.get<unsigned long long>();
    if (u <= static_cast<unsigned long long>(INT64_MAX)) return static_cast<long long>(u);
    return std::nullopt;
  }
  if (j.is_number_float()) {
    const double d = j.get<double>();
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.2233720368547758e18)
      return static_cast<long long>(d);
  }
  return std::nullopt;
}

/// The vocabulary's exception list contains `name` at `protocol` or below.
bool known_exception(const std::string& name) {
  for (auto e : vocabulary::kExceptions) {
    if (e.name == name) return true;
  }
  return false;
}

/// Compiles scenario JSON into Steps, with the location of each error.
class Compiler {
 public:
  Compiler(const json& functions, int protocol,
           const std::function<bool(std::string_view)>& implemented)
      : functions_(functions), protocol_(protocol), implemented_(implemented) {}

  std::vector<Step> steps(const json& j, const std::string& where) {
    if (!j.is_array()) throw BadRequest(where + " must be a list of steps, not " + describe(j));
    std::vector<Step> out;
    out.reserve(j.size());
    for (const auto& s : j) out.push_back(step(s, where));
    return out;
  }

 private:
  [[noreturn]] void fail(int line, const std::string& op, const std::string& message) const {
    std::string where = line > 0 ? "scenario line " + std::to_string(line) + ": " : "";
    if (!op.empty()) where += "step '" + op + "': ";
    throw BadRequest(where + message);
  }

  static int line_of(const json& s, const std::string& where) {
    auto it = s.find("line");
    if (it == s.end()) return 0;
    auto line = integral(*it);
    if (!line || *line < 0 || *line > INT32_MAX)
      throw BadRequest("a step in " + where + " has a bad 'line': " + it->dump());
    return static_cast<int>(*line);
  }

  Step step(const json& s, const std::string& where) {
    if (!s.is_object())
      throw BadRequest("a step in " + where + " must be a mapping, not " + describe(s));
    Step out;
    out.line = line_of(s, where);
    auto op_it = s.find("op");
    if (op_it == s.end() || !op_it->is_string())
      fail(out.line, "", "a step needs 'op', the step's name, as a string");
    const std::string op = op_it->get<std::string>();
    for (std::size_t i = 0; i < vocabulary::kSteps.size(); ++i) {
      if (vocabulary::kSteps[i].name == op) {
        out.spec = &vocabulary::kSteps[i];
        out.index = i;
      }
    }
    if (!out.spec || (implemented_ && !implemented_(op)))
      fail(out.line, "", "unsupported step '" + op + "'");
    if (out.spec->protocol > protocol_) {
      fail(out.line, op,
           "needs protocol " + std::to_string(out.spec->protocol) + ", the request says " +
               std::to_string(protocol_));
    }
    for (const auto& [key, value] : s.items()) {
      if (key == "op" || key == "line") continue;
      std::string_view kind;
      int protocol = out.spec->protocol;
      bool known = false;
      if (!out.spec->role.empty() && key == out.spec->role) {
        kind = out.spec->key_kind;
        known = true;
      }
      for (std::size_t i = 0; i < out.spec->field_count && !known; ++i) {
        const auto& f = vocabulary::kFields[out.spec->first_field + i];
        if (f.name == key) {
          kind = f.kind;
          protocol = f.protocol;
          known = true;
        }
      }
      if (!known) fail(out.line, op, "unknown field '" + key + "'");
      if (protocol > protocol_) {
        fail(out.line, op,
             "field '" + key + "' needs protocol " + std::to_string(protocol) +
                 ", the request says " + std::to_string(protocol_));
      }
      auto k = field_kind(kind);
      if (!k)
        fail(out.line, op, "field '" + key + "' has an unknown kind '" + std::string(kind) + "'");
      out.fields.push_back(field(key, *k, value, out.line, op));
    }
    if (!out.spec->role.empty() && out.spec->key_kind != "none" && !out.has(out.spec->role))
      fail(out.line, op, "needs the field '" + std::string(out.spec->role) + "'");
    for (std::size_t i = 0; i < out.spec->field_count; ++i) {
      const auto& f = vocabulary::kFields[out.spec->first_field + i];
      if (f.required && !out.has(f.name))
        fail(out.line, op, "needs the field '" + std::string(f.name) + "'");
    }
    if (op == "for" && out.has("range") == out.has("in"))
      fail(out.line, op, "needs exactly one of the fields 'range' and 'in'");
    if (op == "try" && !out.has("except") && !out.has("finally"))
      fail(out.line, op, "needs 'except' or 'finally'");
    return out;
  }

  void function_name(Field& f, const json& j, int line, const std::string& op,
                     const std::string& what) {
    if (!j.is_string() || !is_name(j.get<std::string>()))
      fail(line, op, "field '" + f.name + "' must be " + what + ", not " + shown(j));
    f.word = j.get<std::string>();
    if (!functions_.contains(f.word))
      fail(line, op, "field '" + f.name + "' names undefined function '" + f.word + "'");
  }

  static std::string shown(const json& j) {
    if (j.is_string() || j.is_number())
      return describe(j) + " " + j.dump(-1, ' ', false, json::error_handler_t::replace);
    return describe(j);
  }

  /// A number, boolean or (protocol 2) "{EXPR}" field; `accept` tells the JSON types.
  void scalar(Field& f, const json& j, int line, const std::string& op, const char* what,
              bool (*accept)(const json&)) {
    if (j.is_string() && protocol_ >= 2) {
      f.value = text(j, line, op, f.name);
      if (!f.value.text->single_expression)
        fail(line, op,
             "field '" + f.name + "' must be " + what + " or \"{EXPR}\", not " + shown(j));
      return;
    }
    if (!accept(j)) fail(line, op, "field '" + f.name + "' must be " + what + ", not " + shown(j));
  }

  Field field(const std::string& key, FieldKind kind, const json& j, int line,
              const std::string& op) {
    Field f;
    f.name = key;
    f.kind = kind;
    auto bad = [&](const std::string& what) {
      fail(line, op, "field '" + f.name + "' must be " + what + ", not " + shown(j));
    };
    auto name = [&](const char* what) {
      if (!j.is_string() || !is_name(j.get<std::string>())) bad(what);
      f.word = j.get<std::string>();
    };
    switch (kind) {
      case FieldKind::new_var:
      case FieldKind::var:
        name("a variable name");
        break;
      case FieldKind::class_name:
        name("a class name");
        break;
      case FieldKind::assign_target: {
        if (!j.is_string()) bad("a variable name or NAME.ATTR");
        const std::string t = j.get<std::string>();
        if (t.find_last_not_of(" \t") != std::string::npos &&
            t[t.find_last_not_of(" \t")] == ']') {  // an item target E[K]
          if (protocol_ < 3)
            fail(line, op,
                 "field '" + f.name + "': an item target E[K] needs protocol 3, the request says " +
                     std::to_string(protocol_));
          f.expr = expression(j, line, op, f.name);
          if (f.expr->kind != Expr::Kind::index) bad("NAME, NAME.ATTR or an item target E[K]");
          f.word = t;
          break;
        }
        const auto dot = t.find('.');
        if (!is_name(t.substr(0, dot)) || (dot != std::string::npos && !is_name(t.substr(dot + 1))))
          bad("a variable name or NAME.ATTR");
        f.word = t;
        break;
      }
      case FieldKind::fn:
        function_name(f, j, line, op, "a function name");
        break;
      case FieldKind::fn_or_default:
        if (j == "default") {
          f.word = "default";
        } else {
          function_name(f, j, line, op, "a function name or \"default\"");
        }
        break;
      case FieldKind::callable:
        callable(f, j, line, op);
        break;
      case FieldKind::exception_type:
        if (!j.is_string() || !known_exception(j.get<std::string>())) bad("an exception type");
        f.word = j.get<std::string>();
        break;
      case FieldKind::stream:
        if (!j.is_string() || (j != "stdout" && j != "stderr")) bad("\"stdout\" or \"stderr\"");
        f.word = j.get<std::string>();
        break;
      case FieldKind::text:
        if (!j.is_string()) bad("a string (a template)");
        f.value = text(j, line, op, f.name);
        break;
      case FieldKind::value:
        f.value = value(j, line, op, f.name);
        break;
      case FieldKind::values:
        if (!j.is_array()) bad("a list of values");
        f.value = value(j, line, op, f.name);
        break;
      case FieldKind::kwargs:
        f.value = mapping(j, line, op, f.name);
        break;
      case FieldKind::seconds:
        if (j.is_null()) break;  // None
        scalar(f, j, line, op, "a number of seconds",
               [](const json& x) { return x.is_number() && !x.is_boolean(); });
        if (j.is_number()) f.value.literal = Value(j.get<double>());
        break;
      case FieldKind::integer:
        scalar(f, j, line, op, "an integer (64-bit)",
               [](const json& x) { return !x.is_boolean() && integral(x).has_value(); });
        if (j.is_number()) f.value.literal = Value(*integral(j));
        break;
      case FieldKind::boolean:
        scalar(f, j, line, op, "true or false", [](const json& x) { return x.is_boolean(); });
        if (j.is_boolean()) f.value.literal = Value(j.get<bool>());
        break;
      case FieldKind::steps:
        f.steps = steps(j, "scenario line " + std::to_string(line) + ": step '" + op +
                               "': field '" + f.name + "'");
        break;
      case FieldKind::handlers:
        handlers(f, j, line, op);
        break;
      case FieldKind::expr:
        if (!j.is_string()) bad("an expression (a string)");
        f.expr = expression(j, line, op, f.name);
        break;
      case FieldKind::none:
        if (!j.is_null()) bad("null (the step takes no value)");
        break;
      case FieldKind::none_or_default:
        if (!j.is_string() || (j != "None" && j != "default")) bad("\"None\" or \"default\"");
        f.word = j.get<std::string>();
        break;
    }
    return f;
  }

  void callable(Field& f, const json& j, int line, const std::string& op) {
    if (j.is_string()) {
      function_name(f, j, line, op, "a function name, {lambda: F}, {partial: F, ...} or {var: V}");
      f.callable.function = f.word;
      return;
    }
    if (protocol_ < 2 || !j.is_object())
      fail(line, op,
           "field '" + f.name + "' must be a function name" +
               (protocol_ >= 3   ? ", {lambda: F}, {partial: F, ...} or {var: V}"
                : protocol_ == 2 ? ", {lambda: F} or {partial: F, ...}"
                                 : "") +
               ", not " + shown(j));
    Field inner;
    inner.name = f.name;
    if (j.contains("var")) {
      if (protocol_ < 3)
        fail(line, op,
             "field '" + f.name + "': {var: V} needs protocol 3, the request says " +
                 std::to_string(protocol_));
      if (j.size() != 1) fail(line, op, "field '" + f.name + "': {var: V} takes no other key");
      if (!j["var"].is_string() || !is_name(j["var"].get<std::string>()))
        fail(line, op, "field '" + f.name + "': {var: V} needs a variable name");
      f.callable.kind = Callable::Kind::var;
      f.word = j["var"].get<std::string>();
      f.callable.function = f.word;
      return;
    }
    if (j.contains("lambda")) {
      if (j.size() != 1) fail(line, op, "field '" + f.name + "': {lambda: F} takes no other key");
      function_name(inner, j["lambda"], line, op, "a function name");
      f.callable.kind = Callable::Kind::lambda;
    } else if (j.contains("partial")) {
      for (const auto& [k, _] : j.items()) {
        if (k != "partial" && k != "args" && k != "kwargs")
          fail(line, op, "field '" + f.name + "': {partial: F} has an unknown key '" + k + "'");
      }
      function_name(inner, j["partial"], line, op, "a function name");
      f.callable.kind = Callable::Kind::partial;
      if (auto a = j.find("args"); a != j.end()) {
        if (!a->is_array()) fail(line, op, "field '" + f.name + "': partial 'args' must be a list");
        f.callable.args = value(*a, line, op, f.name);
      } else {
        f.callable.args.kind = ValueNode::Kind::list;
      }
      if (auto k = j.find("kwargs"); k != j.end()) {
        f.callable.kwargs = mapping(*k, line, op, f.name);
      } else {
        f.callable.kwargs.kind = ValueNode::Kind::mapping;
      }
    } else {
      fail(line, op,
           "field '" + f.name +
               "' must be a function name, {lambda: F}, {partial: F, ...} or {var: V}");
    }
    f.word = inner.word;
    f.callable.function = inner.word;
  }

  void handlers(Field& f, const json& j, int line, const std::string& op) {
    if (!j.is_array()) fail(line, op, "field 'except' must be a list of handlers, not " + shown(j));
    for (const auto& h : j) {
      if (!h.is_object()) fail(line, op, "an 'except' handler must be a mapping, not " + shown(h));
      ExceptHandler out;
      out.line = line_of(h, "a handler");
      if (out.line == 0) out.line = line;
      for (const auto& [k, _] : h.items()) {
        if (k != "types" && k != "as" && k != "body" && k != "line")
          fail(out.line, op, "an 'except' handler has an unknown key '" + k + "'");
      }
      auto types = h.find("types");
      if (types == h.end() || !types->is_array() || types->empty())
        fail(out.line, op, "an 'except' handler needs 'types', a list of exception types");
      for (const auto& t : *types) {
        if (!t.is_string() || !known_exception(t.get<std::string>()))
          fail(out.line, op, "'except' type " + shown(t) + " is not an exception type");
        out.types.push_back(t.get<std::string>());
      }
      if (auto as = h.find("as"); as != h.end()) {
        if (!as->is_string() || !is_name(as->get<std::string>()))
          fail(out.line, op, "'except ... as' must be a variable name, not " + shown(*as));
        out.as = as->get<std::string>();
      }
      auto body = h.find("body");
      if (body == h.end()) fail(out.line, op, "an 'except' handler needs 'body'");
      out.body = steps(*body, "scenario line " + std::to_string(out.line) + ": an 'except' body");
      f.handlers.push_back(std::move(out));
    }
  }

  ExprPtr expression(const json& j, int line, const std::string& op, const std::string& field) {
    try {
      return parse_expression(j.get<std::string>());
    } catch (const ParseError& e) {
      fail(line, op,
           "field '" + field + "': bad expression " +
               j.dump(-1, ' ', false, json::error_handler_t::replace) + ": " + e.what() +
               " (column " + std::to_string(e.offset + 1) + ")");
    }
  }

  ValueNode text(const json& j, int line, const std::string& op, const std::string& field) {
    ValueNode n;
    n.kind = ValueNode::Kind::text;
    try {
      n.text = std::make_shared<const Template>(parse_template(j.get<std::string>()));
    } catch (const ParseError& e) {
      fail(line, op,
           "field '" + field + "': bad template " +
               j.dump(-1, ' ', false, json::error_handler_t::replace) + ": " + e.what() +
               " (column " + std::to_string(e.offset + 1) + ")");
    }
    return n;
  }

  ValueNode mapping(const json& j, int line, const std::string& op, const std::string& field) {
    if (!j.is_object())
      fail(line, op, "field '" + field + "' must be a mapping of names to values, not " + shown(j));
    ValueNode n;
    n.kind = ValueNode::Kind::mapping;
    for (const auto& [k, v] : j.items()) {
      if (!is_name(k))
        fail(line, op, "field '" + field + "' has a key that is not a name: '" + k + "'");
      n.keys.push_back(k);
      n.items.push_back(value(v, line, op, field));
    }
    return n;
  }

  ValueNode value(const json& j, int line, const std::string& op, const std::string& field) {
    ValueNode n;
    switch (j.type()) {
      case json::value_t::null:
        break;
      case json::value_t::boolean:
        n.literal = Value(j.get<bool>());
        break;
      case json::value_t::number_integer:
      case json::value_t::number_unsigned:
        if (auto i = integral(j)) {
          n.literal = Value(*i);
        } else {
          fail(line, op,
               "field '" + field + "': integer " + j.dump() + " is outside the 64-bit range");
        }
        break;
      case json::value_t::number_float:
        n.literal = Value(j.get<double>());
        break;
      case json::value_t::string:
        return text(j, line, op, field);
      case json::value_t::array:
        n.kind = ValueNode::Kind::list;
        for (const auto& item : j) n.items.push_back(value(item, line, op, field));
        break;
      default:
        fail(line, op,
             "field '" + field + "' must be a value (scalar or list), not " + describe(j));
    }
    return n;
  }

  const json& functions_;
  int protocol_;
  const std::function<bool(std::string_view)>& implemented_;
};

std::optional<std::string> optional_string(const json& obj, const char* key,
                                           const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_string())
    throw BadRequest(where + ": field '" + key + "' must be a string, not " + describe(*it));
  return it->get<std::string>();
}

}  // namespace

Request parse_request(std::string_view text,
                      const std::function<bool(std::string_view)>& implemented) {
  if (text.size() > kMaxRequestBytes)
    throw BadRequest("the request is larger than " + std::to_string(kMaxRequestBytes) + " bytes");
  check_nesting(text);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    std::string message = e.what();
    if (message.rfind("[json.exception.", 0) == 0) message.erase(0, message.find(']') + 2);
    throw BadRequest("bad JSON: " + message);
  }
  if (!j.is_object()) throw BadRequest("the request must be a JSON object, not " + describe(j));
  Request r;
  auto protocol = j.find("protocol");
  if (protocol == j.end()) throw BadRequest("the request has no 'protocol'");
  const auto p = protocol->is_boolean() ? std::nullopt : integral(*protocol);
  bool supported = false;
  if (p.has_value()) {
    const long long asked = p.value();
    for (int known : kProtocols) supported = supported || asked == known;
  }
  if (!supported) {
    std::string list;
    for (int known : kProtocols) list += (list.empty() ? "" : ", ") + std::to_string(known);
    throw BadRequest("unsupported protocol " + protocol->dump() + " (this executor speaks " + list +
                     ")");
  }
  r.protocol = static_cast<int>(*p);
  if (auto scale = j.find("time_scale"); scale != j.end()) {
    if (scale->is_boolean() || !scale->is_number())
      throw BadRequest("request field 'time_scale' must be a number, not " + describe(*scale));
    r.time_scale = scale->get<double>();
    if (!std::isfinite(r.time_scale) || r.time_scale <= 0)
      throw BadRequest("request field 'time_scale' must be a finite number above 0, not " +
                       scale->dump());
  }
  r.trace = optional_string(j, "trace", "request");
  auto scenario = j.find("scenario");
  if (scenario == j.end()) throw BadRequest("the request has no 'scenario'");
  if (!scenario->is_object())
    throw BadRequest("request field 'scenario' must be a mapping, not " + describe(*scenario));
  const json& s = *scenario;
  r.program.id = optional_string(s, "id", "scenario").value_or("");
  const json empty = json::object();
  const json* functions = &empty;
  if (auto f = s.find("functions"); f != s.end() && !f->is_null()) {
    if (!f->is_object())
      throw BadRequest("scenario field 'functions' must be a mapping, not " + describe(*f));
    functions = &*f;
  }
  for (const auto& [name, fn] : functions->items()) {
    if (!is_name(name)) throw BadRequest("function name '" + name + "' is not a name");
    if (!fn.is_object() || !fn.contains("body"))
      throw BadRequest("function '" + name + "' must be a mapping with 'params' and 'body'");
  }
  r.program.protocol = r.protocol;
  Compiler compiler(*functions, r.protocol, implemented);
  for (const auto& [name, fn] : functions->items()) {
    Function out;
    out.name = name;
    for (const auto& [key, _] : fn.items()) {
      if (key != "params" && key != "body")
        throw BadRequest("function '" + name + "' has an unknown field '" + key + "'");
    }
    if (auto params = fn.find("params"); params != fn.end()) {
      if (!params->is_array())
        throw BadRequest("function '" + name + "': field 'params' must be a list of names");
      for (const auto& p : *params) {
        if (!p.is_string() || !is_name(p.get<std::string>()))
          throw BadRequest("function '" + name + "': parameter " + p.dump() + " is not a name");
        const std::string param = p.get<std::string>();
        for (const auto& seen : out.params) {
          if (seen == param)
            throw BadRequest("function '" + name + "': duplicate parameter '" + param + "'");
        }
        out.params.push_back(param);
      }
    }
    out.body = compiler.steps(fn["body"], "function '" + name + "' body");
    r.program.functions.emplace(name, std::move(out));
  }
  // An excepthook is called with one argument.
  auto main = s.find("main");
  if (main == s.end()) throw BadRequest("the scenario has no 'main'");
  r.program.main = compiler.steps(*main, "scenario field 'main'");
  if (auto logging = s.find("logging"); logging != s.end() && !logging->is_null()) {
    if (!logging->is_object())
      throw BadRequest("scenario field 'logging' must be a mapping, not " + describe(*logging));
    LoggingConfig c;
    for (const auto& [key, _] : logging->items()) {
      if (key != "format" && key != "datefmt" && key != "level")
        throw BadRequest("scenario field 'logging' has an unknown field '" + key + "'");
    }
    c.format = optional_string(*logging, "format", "scenario field 'logging'");
    c.datefmt = optional_string(*logging, "datefmt", "scenario field 'logging'");
    c.level = optional_string(*logging, "level", "scenario field 'logging'");
    if (c.level && *c.level != "DEBUG" && *c.level != "INFO" && *c.level != "WARNING" &&
        *c.level != "ERROR" && *c.level != "CRITICAL") {
      throw BadRequest("scenario field 'logging': unknown level '" + *c.level + "'");
    }
    r.program.logging = c;
  }
  return r;
}

}  // namespace threadspec::executor
