#include "request.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "exceptions.hpp"

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

/// Compiles scenario JSON into Steps, with the location of each error.
class Compiler {
 public:
  Compiler(const json& functions, int protocol) : functions_(functions), protocol_(protocol) {}

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

  Step step(const json& s, const std::string& where) {
    if (!s.is_object())
      throw BadRequest("a step in " + where + " must be a mapping, not " + describe(s));
    Step out;
    if (auto it = s.find("line"); it != s.end()) {
      auto line = integral(*it);
      if (!line || *line < 0 || *line > INT32_MAX)
        throw BadRequest("a step in " + where + " has a bad 'line': " + it->dump());
      out.line = static_cast<int>(*line);
    }
    auto op_it = s.find("op");
    if (op_it == s.end() || !op_it->is_string())
      fail(out.line, "", "a step needs 'op', the step's name, as a string");
    const std::string op = op_it->get<std::string>();
    out.spec = find_step(op);
    if (!out.spec) fail(out.line, "", "unsupported step '" + op + "'");
    if (out.spec->protocol > protocol_) {
      fail(out.line, op,
           "needs protocol " + std::to_string(out.spec->protocol) + ", the request says " +
               std::to_string(protocol_));
    }
    out.index = static_cast<std::size_t>(out.spec - kStepTable);
    for (const auto& [key, value] : s.items()) {
      if (key == "op" || key == "line") continue;
      const FieldSpec* spec = nullptr;
      for (const auto& f : out.spec->fields) {
        if (f.name == key) spec = &f;
      }
      if (!spec) fail(out.line, op, "unknown field '" + key + "'");
      out.fields.push_back(field(*spec, value, out.line, op));
    }
    for (const auto& f : out.spec->fields) {
      if (f.required && !out.has(f.name))
        fail(out.line, op, "needs the field '" + std::string(f.name) + "'");
    }
    if (op == "for" && out.has("range") == out.has("in"))
      fail(out.line, op, "needs exactly one of the fields 'range' and 'in'");
    return out;
  }

  Field field(const FieldSpec& spec, const json& j, int line, const std::string& op) {
    Field f;
    f.name = std::string(spec.name);
    f.kind = spec.kind;
    auto bad = [&](const std::string& what) {
      fail(line, op,
           "field '" + f.name + "' must be " + what + ", not " +
               (j.is_string() || j.is_number()
                    ? describe(j) + " " + j.dump(-1, ' ', false, json::error_handler_t::replace)
                    : describe(j)));
    };
    auto name = [&](const char* what) {
      if (!j.is_string() || !is_name(j.get<std::string>())) bad(what);
      f.name_value = j.get<std::string>();
    };
    switch (spec.kind) {
      case FieldKind::new_var:
      case FieldKind::var:
        name("a variable name");
        break;
      case FieldKind::assign_target: {
        if (!j.is_string()) bad("a variable name or NAME.ATTR");
        const std::string t = j.get<std::string>();
        const auto dot = t.find('.');
        if (!is_name(t.substr(0, dot)) || (dot != std::string::npos && !is_name(t.substr(dot + 1))))
          bad("a variable name or NAME.ATTR");
        f.name_value = t;
        break;
      }
      case FieldKind::function:
        name("a function name");
        if (!functions_.contains(f.name_value))
          fail(line, op, "field '" + f.name + "' names undefined function '" + f.name_value + "'");
        break;
      case FieldKind::hook:
        name("a function name or \"default\"");
        if (f.name_value != "default") {
          auto it = functions_.find(f.name_value);
          if (it == functions_.end())
            fail(line, op,
                 "field '" + f.name + "' names undefined function '" + f.name_value + "'");
        }
        break;
      case FieldKind::exception_type:
        if (!j.is_string() || !is_exception_class(j.get<std::string>()))
          bad("an exception class name");
        f.name_value = j.get<std::string>();
        break;
      case FieldKind::stream:
        if (!j.is_string() || (j != "stdout" && j != "stderr")) bad("\"stdout\" or \"stderr\"");
        f.name_value = j.get<std::string>();
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
        if (!j.is_object()) bad("a mapping of names to values");
        f.value.kind = ValueNode::Kind::mapping;
        for (const auto& [k, v] : j.items()) {
          if (!is_name(k))
            fail(line, op, "field '" + f.name + "' has a key that is not a name: '" + k + "'");
          f.value.items.emplace_back(k, value(v, line, op, f.name));
        }
        break;
      case FieldKind::timeout:
        if (j.is_null()) break;  // None
        [[fallthrough]];
      case FieldKind::seconds:
        if (j.is_boolean() || !j.is_number())
          bad(spec.kind == FieldKind::timeout ? "a number of seconds or null"
                                              : "a number of seconds");
        if (j.is_number_float()) {
          f.value.literal = Value(j.get<double>());
        } else if (auto i = integral(j)) {
          f.value.literal = Value(static_cast<double>(*i));
        } else {
          f.value.literal = Value(j.get<double>());
        }
        break;
      case FieldKind::integer:
      case FieldKind::count: {
        const auto i = j.is_boolean() ? std::nullopt : integral(j);
        if (!i)
          bad(spec.kind == FieldKind::count ? "a non-negative integer (64-bit)"
                                            : "an integer (64-bit)");
        if (spec.kind == FieldKind::count && *i < 0) bad("a non-negative integer");
        f.value.literal = Value(*i);
        break;
      }
      case FieldKind::boolean:
        if (!j.is_boolean()) bad("true or false");
        f.value.literal = Value(j.get<bool>());
        break;
      case FieldKind::steps:
        f.steps = steps(j, "scenario line " + std::to_string(line) + ": step '" + op +
                               "': field '" + f.name + "'");
        break;
      case FieldKind::expression:
        if (!j.is_string()) bad("an expression (a string)");
        try {
          f.expr = parse_expression(j.get<std::string>());
        } catch (const ParseError& e) {
          fail(line, op,
               "field '" + f.name + "': bad expression " + j.dump() + ": " + e.what() +
                   " at offset " + std::to_string(e.offset));
        }
        break;
    }
    return f;
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
               " at offset " + std::to_string(e.offset));
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
        for (const auto& item : j) n.items.emplace_back("", value(item, line, op, field));
        break;
      default:
        fail(line, op,
             "field '" + field + "' must be a value (scalar or list), not " + describe(j));
    }
    return n;
  }

  const json& functions_;
  int protocol_;
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

Request parse_request(std::string_view text) {
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
  for (int known : kProtocols) supported = supported || (p && *p == known);
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
  Compiler compiler(*functions, r.protocol);
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
