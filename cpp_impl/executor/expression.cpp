#include "expression.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace threadspec::executor {

namespace {

// ------------------------------------------------------------------ lexer
struct Token {
  enum class Kind { name, integer, floating, string, op, end };
  Kind kind;
  std::string text;  // name, operator, string contents (unescaped) or number text
  std::size_t offset;
};

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
      continue;
    }
    const std::size_t start = i;
    if (is_name_start(c)) {
      while (i < s.size() && (is_name_start(s[i]) || is_digit(s[i]))) ++i;
      out.push_back({Token::Kind::name, std::string(s.substr(start, i - start)), start});
    } else if (is_digit(c)) {
      // INT := [0-9]+, FLOAT := [0-9]+ '.' [0-9]+ (no exponent, as the format defines)
      bool floating = false;
      while (i < s.size() && is_digit(s[i])) ++i;
      if (i + 1 < s.size() && s[i] == '.' && is_digit(s[i + 1])) {
        floating = true;
        ++i;
        while (i < s.size() && is_digit(s[i])) ++i;
      }
      out.push_back({floating ? Token::Kind::floating : Token::Kind::integer,
                     std::string(s.substr(start, i - start)), start});
    } else if (c == '\'' || c == '"') {
      std::string text;
      ++i;
      for (;;) {
        if (i >= s.size()) throw ParseError("unterminated string literal", start);
        const char d = s[i++];
        if (d == c) break;
        if (d == '\n') throw ParseError("unterminated string literal", start);
        if (d == '\\') {
          if (i >= s.size()) throw ParseError("unterminated string literal", start);
          const char e = s[i++];
          switch (e) {
            case 'n':
              text += '\n';
              break;
            case 't':
              text += '\t';
              break;
            case '\\':
            case '\'':
            case '"':
              text += e;
              break;
            default:
              throw ParseError(std::string("unknown escape \\") + e +
                                   " in a string (known: \\\\ \\' \\\" \\n \\t)",
                               i - 2);
          }
        } else {
          text += d;
        }
      }
      out.push_back({Token::Kind::string, std::move(text), start});
    } else {
      static const char* const two[] = {"==", "!=", "<=", ">="};
      std::string op(1, c);
      for (const char* t : two) {
        if (s.substr(i, 2) == t) op = t;
      }
      if (op.size() == 1 && std::string_view("<>+-.()[],").find(c) == std::string_view::npos) {
        throw ParseError("invalid character '" + op + "'", start);
      }
      i += op.size();
      out.push_back({Token::Kind::op, op, start});
    }
  }
  out.push_back({Token::Kind::end, "", s.size()});
  return out;
}

// ------------------------------------------------------------------ parser
class Parser {
 public:
  explicit Parser(std::string_view text) : tokens_(tokenize(text)) {}

  ExprPtr parse() {
    if (peek().kind == Token::Kind::end) throw ParseError("empty expression", 0);
    ExprPtr e = or_expr();
    if (peek().kind != Token::Kind::end) throw ParseError("invalid syntax", peek().offset);
    return e;
  }

 private:
  const Token& peek(std::size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  bool is_op(const char* op, std::size_t ahead = 0) const {
    return peek(ahead).kind == Token::Kind::op && peek(ahead).text == op;
  }
  bool is_keyword(const char* word, std::size_t ahead = 0) const {
    return peek(ahead).kind == Token::Kind::name && peek(ahead).text == word;
  }
  void expect(const char* op) {
    if (!is_op(op)) throw ParseError(std::string("expected '") + op + "'", peek().offset);
    ++pos_;
  }

  /// Counts nesting; throws beyond kMaxExpressionDepth.
  struct Depth {
    explicit Depth(Parser& p) : p(p) {
      if (++p.depth_ > kMaxExpressionDepth)
        throw ParseError("expression nested too deeply", p.peek().offset);
    }
    ~Depth() { --p.depth_; }
    Depth(const Depth&) = delete;
    Depth& operator=(const Depth&) = delete;
    Parser& p;
  };

  /// A node; throws when the tree gets deeper than kMaxExpressionDepth * 4 (long chains
  /// such as a+a+a+... or a.b.c... nest without parentheses), so evaluation's recursion
  /// stays bounded.
  ExprPtr make(Expr::Kind kind, std::vector<ExprPtr> items, std::string text = {}) {
    int depth = 0;
    for (const auto& item : items) depth = std::max(depth, item->depth);
    if (depth + 1 > kMaxExpressionDepth * 4)
      throw ParseError("expression nested too deeply", peek().offset);
    auto e = std::make_shared<Expr>();
    e->depth = depth + 1;
    e->kind = kind;
    e->items = std::move(items);
    e->text = std::move(text);
    return e;
  }

  ExprPtr or_expr() {
    Depth d(*this);
    ExprPtr left = and_expr();
    while (is_keyword("or")) {
      ++pos_;
      left = make(Expr::Kind::or_, {left, and_expr()});
    }
    return left;
  }
  ExprPtr and_expr() {
    ExprPtr left = not_expr();
    while (is_keyword("and")) {
      ++pos_;
      left = make(Expr::Kind::and_, {left, not_expr()});
    }
    return left;
  }
  ExprPtr not_expr() {
    if (is_keyword("not")) {
      Depth d(*this);
      ++pos_;
      return make(Expr::Kind::not_, {not_expr()});
    }
    return comparison();
  }
  ExprPtr comparison() {
    ExprPtr left = sum();
    std::string op;
    for (const char* o : {"==", "!=", "<", "<=", ">", ">="}) {
      if (is_op(o)) op = o;
    }
    if (!op.empty()) {
      ++pos_;
    } else if (is_keyword("is")) {
      ++pos_;
      op = "is";
      if (is_keyword("not")) {
        ++pos_;
        op = "is_not";
      }
    } else if (is_keyword("in")) {
      ++pos_;
      op = "in";
    } else if (is_keyword("not") && is_keyword("in", 1)) {
      pos_ += 2;
      op = "not_in";
    } else {
      return left;
    }
    return make(Expr::Kind::compare, {left, sum()}, op);
  }
  ExprPtr sum() {
    ExprPtr left = unary();
    while (is_op("+") || is_op("-")) {
      const bool add = is_op("+");
      ++pos_;
      left = make(add ? Expr::Kind::add : Expr::Kind::sub, {left, unary()});
    }
    return left;
  }
  ExprPtr unary() {
    if (is_op("-")) {
      Depth d(*this);
      ++pos_;
      return make(Expr::Kind::neg, {unary()});
    }
    return postfix();
  }
  ExprPtr postfix() {
    ExprPtr e = atom();
    for (;;) {
      if (is_op(".")) {
        ++pos_;
        if (peek().kind != Token::Kind::name)
          throw ParseError("expected a name after '.'", peek().offset);
        e = make(Expr::Kind::attr, {e}, peek().text);
        ++pos_;
      } else if (is_op("(")) {
        Depth d(*this);
        ++pos_;
        std::vector<ExprPtr> items{e};
        while (!is_op(")")) {
          items.push_back(or_expr());
          if (!is_op(",")) break;
          ++pos_;
        }
        expect(")");
        e = make(Expr::Kind::call, std::move(items));
      } else if (is_op("[")) {
        Depth d(*this);
        ++pos_;
        ExprPtr index = or_expr();
        expect("]");
        e = make(Expr::Kind::index, {e, index});
      } else {
        return e;
      }
    }
  }
  ExprPtr atom() {
    const Token t = peek();
    auto literal = [&](Value v) {
      auto e = std::make_shared<Expr>();
      e->kind = Expr::Kind::literal;
      e->value = std::move(v);
      ++pos_;
      return e;
    };
    switch (t.kind) {
      case Token::Kind::name:
        if (t.text == "True") return literal(Value(true));
        if (t.text == "False") return literal(Value(false));
        if (t.text == "None") return literal(Value());
        for (const char* kw : {"and", "or", "not", "is", "in", "if", "else", "lambda"}) {
          if (t.text == kw) throw ParseError("invalid syntax", t.offset);
        }
        ++pos_;
        return make(Expr::Kind::name, {}, t.text);
      case Token::Kind::integer: {
        errno = 0;
        const long long v = std::strtoll(t.text.c_str(), nullptr, 10);
        if (errno == ERANGE) throw ParseError("integer literal out of the 64-bit range", t.offset);
        if (t.text.size() > 1 && t.text[0] == '0' && v != 0) {
          throw ParseError("leading zeros in decimal integer literals are not permitted", t.offset);
        }
        return literal(Value(v));
      }
      case Token::Kind::floating:
        return literal(Value(std::strtod(t.text.c_str(), nullptr)));
      case Token::Kind::string:
        return literal(Value(t.text));
      case Token::Kind::op:
        if (t.text == "(") {
          Depth d(*this);
          ++pos_;
          ExprPtr e = or_expr();
          expect(")");
          return e;
        }
        if (t.text == "[") {
          Depth d(*this);
          ++pos_;
          std::vector<ExprPtr> items;
          while (!is_op("]")) {
            items.push_back(or_expr());
            if (!is_op(",")) break;
            ++pos_;
          }
          expect("]");
          return make(Expr::Kind::list, std::move(items));
        }
        throw ParseError("invalid syntax", t.offset);
      case Token::Kind::end:
        throw ParseError("unexpected end of expression", t.offset);
    }
    throw ParseError("invalid syntax", t.offset);
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

// ------------------------------------------------------------------ evaluation
[[noreturn]] void unsupported(const char* op, const Value& a, const Value& b) {
  raise("TypeError", std::string("unsupported operand type(s) for ") + op + ": '" + type_name(a) +
                         "' and '" + type_name(b) + "'");
}

bool is_int(const Value& v) { return v.get_if<long long>() || v.get_if<bool>(); }
bool is_number(const Value& v) { return is_int(v) || v.get_if<double>(); }
double as_double(const Value& v) {
  if (auto d = v.get_if<double>()) return *d;
  return static_cast<double>(to_index(v));
}

Value arithmetic(bool add, const Value& a, const Value& b) {
  const char* op = add ? "+" : "-";
  if (is_int(a) && is_int(b)) {
    long long r = 0;
    const bool overflow = add ? __builtin_add_overflow(to_index(a), to_index(b), &r)
                              : __builtin_sub_overflow(to_index(a), to_index(b), &r);
    if (overflow) raise("OverflowError", "integer result out of the 64-bit range");
    return {r};
  }
  if (is_number(a) && is_number(b)) {
    return {add ? as_double(a) + as_double(b) : as_double(a) - as_double(b)};
  }
  if (add) {
    if (auto s = a.get_if<std::string>()) {
      if (auto t = b.get_if<std::string>()) return {*s + *t};
      raise("TypeError", "can only concatenate str (not \"" + type_name(b) + "\") to str");
    }
    if (auto l = a.get_if<ListPtr>()) {
      if (auto m = b.get_if<ListPtr>()) {
        auto out = std::make_shared<List>(snapshot(*l));
        const List tail = snapshot(*m);
        out->insert(out->end(), tail.begin(), tail.end());
        return {out};
      }
      raise("TypeError", "can only concatenate list (not \"" + type_name(b) + "\") to list");
    }
  }
  unsupported(op, a, b);
}

/// -1, 0, 1 for a < b, a == b, a > b under Python's ordering; TypeError otherwise.
int order(const std::string& op, const Value& a, const Value& b) {
  if (is_number(a) && is_number(b)) {
    if (is_int(a) && is_int(b)) {
      const long long x = to_index(a), y = to_index(b);
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    const double x = as_double(a), y = as_double(b);
    if (std::isnan(x) || std::isnan(y)) return 2;  // every ordering is false
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (auto s = a.get_if<std::string>()) {
    if (auto t = b.get_if<std::string>()) {
      const int c = s->compare(*t);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
  }
  if (auto l = a.get_if<ListPtr>()) {
    if (auto m = b.get_if<ListPtr>()) {
      const List x = snapshot(*l);
      const List y = snapshot(*m);
      for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
        if (!equal(x[i], y[i])) return order(op, x[i], y[i]);
      }
      return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
    }
  }
  raise("TypeError", "'" + op + "' not supported between instances of '" + type_name(a) +
                         "' and '" + type_name(b) + "'");
}

bool contains(const Value& container, const Value& item) {
  if (auto l = container.get_if<ListPtr>()) {
    for (const auto& x : snapshot(*l)) {
      if (identical(x, item) || equal(x, item)) return true;
    }
    return false;
  }
  if (auto o = container.get_if<ObjectPtr>()) return (*o)->contains(item);
  if (auto s = container.get_if<std::string>()) {
    auto t = item.get_if<std::string>();
    if (!t) {
      raise("TypeError", "'in <string>' requires string as left operand, not " + type_name(item));
    }
    return s->find(*t) != std::string::npos;
  }
  raise("TypeError", "argument of type '" + type_name(container) + "' is not iterable");
}

Value compare(const std::string& op, const Value& a, const Value& b) {
  if (op == "==") return {equal(a, b)};
  if (op == "!=") return {!equal(a, b)};
  if (op == "is") return {identical(a, b)};
  if (op == "is_not") return {!identical(a, b)};
  if (op == "in") return {contains(b, a)};
  if (op == "not_in") return {!contains(b, a)};
  const int c = order(op, a, b);
  if (c == 2) return {false};
  if (op == "<") return {c < 0};
  if (op == "<=") return {c <= 0};
  if (op == ">") return {c > 0};
  return {c >= 0};
}

Value index(const Value& container, const Value& key) {
  auto subscript = [&](long long size, const char* what) {
    if (!is_int(key)) {
      raise("TypeError",
            std::string(what) + " indices must be integers or slices, not " + type_name(key));
    }
    long long i = to_index(key);
    if (i < 0) i += size;
    if (i < 0 || i >= size) raise("IndexError", std::string(what) + " index out of range");
    return static_cast<std::size_t>(i);
  };
  if (auto l = container.get_if<ListPtr>()) {
    const List items = snapshot(*l);
    return items[subscript(static_cast<long long>(items.size()), "list")];
  }
  if (auto o = container.get_if<ObjectPtr>()) return (*o)->item(key);
  if (auto s = container.get_if<std::string>()) {
    return {std::string(1, (*s)[subscript(static_cast<long long>(s->size()), "string")])};
  }
  raise("TypeError", "'" + type_name(container) + "' object is not subscriptable");
}

Value attribute(const Value& object, const std::string& name, const List* args) {
  if (auto o = object.get_if<ObjectPtr>()) {
    return args ? (*o)->call_method(name, *args) : (*o)->attr(name);
  }
  if (auto l = object.get_if<ListPtr>(); l && name == "append") {
    const std::size_t given = args ? args->size() : 0;
    if (given != 1) {
      raise("TypeError",
            "list.append() takes exactly one argument (" + std::to_string(given) + " given)");
    }
    list_append(*l, (*args)[0]);
    return {};
  }
  attribute_error(type_name(object), name);
}

}  // namespace

ExprPtr parse_expression(std::string_view text) { return Parser(text).parse(); }

Value evaluate(const Expr& e, Environment& env) {
  switch (e.kind) {
    case Expr::Kind::name:
      return env.name(e.text);
    case Expr::Kind::literal:
      return e.value;
    case Expr::Kind::list: {
      auto list = std::make_shared<List>();
      for (const auto& item : e.items) list->push_back(evaluate(*item, env));
      return {list};
    }
    case Expr::Kind::attr:
      return attribute(evaluate(*e.items[0], env), e.text, nullptr);
    case Expr::Kind::call: {
      List args;
      for (std::size_t i = 1; i < e.items.size(); ++i) args.push_back(evaluate(*e.items[i], env));
      const Expr& callee = *e.items[0];
      if (callee.kind == Expr::Kind::name) return env.call(callee.text, args);
      if (callee.kind == Expr::Kind::attr) {
        return attribute(evaluate(*callee.items[0], env), callee.text, &args);
      }
      Value v = evaluate(callee, env);
      raise("TypeError", "'" + type_name(v) + "' object is not callable");
    }
    case Expr::Kind::index: {
      Value container = evaluate(*e.items[0], env);
      return index(container, evaluate(*e.items[1], env));
    }
    case Expr::Kind::neg: {
      Value v = evaluate(*e.items[0], env);
      if (auto d = v.get_if<double>()) return {-*d};
      if (is_int(v)) {
        const long long i = to_index(v);
        if (i == std::numeric_limits<long long>::min()) {
          raise("OverflowError", "integer result out of the 64-bit range");
        }
        return {-i};
      }
      raise("TypeError", "bad operand type for unary -: '" + type_name(v) + "'");
    }
    case Expr::Kind::not_:
      return {!truthy(evaluate(*e.items[0], env))};
    case Expr::Kind::add:
    case Expr::Kind::sub: {
      Value a = evaluate(*e.items[0], env);
      return arithmetic(e.kind == Expr::Kind::add, a, evaluate(*e.items[1], env));
    }
    case Expr::Kind::compare: {
      Value a = evaluate(*e.items[0], env);
      return compare(e.text, a, evaluate(*e.items[1], env));
    }
    case Expr::Kind::and_: {
      Value a = evaluate(*e.items[0], env);
      return truthy(a) ? evaluate(*e.items[1], env) : a;
    }
    case Expr::Kind::or_: {
      Value a = evaluate(*e.items[0], env);
      return truthy(a) ? a : evaluate(*e.items[1], env);
    }
  }
  raise("SystemError", "unknown expression kind");
}

bool call_builtin(const std::string& name, const List& args, Value& out) {
  auto arity = [&](std::size_t n) {
    if (args.size() != n) {
      raise("TypeError",
            name + "() takes exactly one argument (" + std::to_string(args.size()) + " given)");
    }
  };
  if (name == "len") {
    arity(1);
    const Value& v = args[0];
    if (auto l = v.get_if<ListPtr>()) {
      out = Value(static_cast<long long>(list_size(*l)));
    } else if (auto s = v.get_if<std::string>()) {
      out = Value(static_cast<long long>(s->size()));
    } else if (auto o = v.get_if<ObjectPtr>()) {
      out = Value((*o)->length());
    } else {
      raise("TypeError", "object of type '" + type_name(v) + "' has no len()");
    }
    return true;
  }
  if (name == "str" || name == "repr") {
    if (args.empty()) {
      out = Value(std::string());
      return true;
    }
    arity(1);
    out = Value(name == "str" ? py_str(args[0]) : py_repr(args[0]));
    return true;
  }
  if (name == "bool") {
    out = Value(!args.empty() && truthy(args[0]));
    return true;
  }
  if (name == "type") {
    arity(1);
    out = Value(type_of(args[0]));
    return true;
  }
  if (name == "int") {
    if (args.empty()) {
      out = Value(0LL);
      return true;
    }
    arity(1);
    const Value& v = args[0];
    if (auto d = v.get_if<double>()) {
      if (std::isnan(*d)) raise("ValueError", "cannot convert float NaN to integer");
      if (std::isinf(*d)) raise("OverflowError", "cannot convert float infinity to integer");
      if (std::fabs(*d) >= 9.2233720368547758e18) {
        raise("OverflowError", "integer result out of the 64-bit range");
      }
      out = Value(static_cast<long long>(*d));
    } else if (auto s = v.get_if<std::string>()) {
      char* end = nullptr;
      errno = 0;
      const long long i = std::strtoll(s->c_str(), &end, 10);
      if (s->empty() || *end != '\0' || errno == ERANGE) {
        raise("ValueError", "invalid literal for int() with base 10: " + py_repr(v));
      }
      out = Value(i);
    } else {
      out = Value(to_index(v));
    }
    return true;
  }
  return false;
}

}  // namespace threadspec::executor
