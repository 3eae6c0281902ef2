// Templates and expressions: the parser is total (every string parses or throws ParseError)
// and evaluation has Python's semantics.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "expression.hpp"
#include "objects.hpp"
#include "template.hpp"

namespace threadspec::executor {
namespace {

/// Variables from a map; no roots; the builtins.
class MapEnvironment : public Environment {
 public:
  std::map<std::string, Value> vars;
  Value name(const std::string& n) override {
    auto it = vars.find(n);
    if (it == vars.end()) raise("NameError", "name '" + n + "' is not defined");
    return it->second;
  }
  Value call(const std::string& n, const List& args) override {
    Value out;
    if (call_builtin(n, args, out)) return out;
    raise("NameError", "name '" + n + "' is not defined");
  }
};

std::string render_str(const std::string& text, MapEnvironment& env) {
  return render_text(parse_template(text), env);
}

/// The Python exception ("Type: message") that rendering `text` raises.
std::string raised(const std::string& text, MapEnvironment& env) {
  try {
    (void)render(parse_template(text), env);
  } catch (const pythreading::PythonError& e) {
    return std::string(e.type_name()) + ": " + e.what();
  }
  return "nothing raised";
}

/// The parse error of `text`, with its offset.
std::string parse_error(const std::string& text) {
  try {
    (void)parse_template(text);
  } catch (const ParseError& e) {
    return std::string(e.what()) + " @" + std::to_string(e.offset);
  }
  return "parsed";
}

TEST(Template, LiteralsAndEscapedBraces) {
  MapEnvironment env;
  EXPECT_EQ(render_str("", env), "");
  EXPECT_EQ(render_str("plain", env), "plain");
  EXPECT_EQ(render_str("{{x}}", env), "{x}");
  EXPECT_EQ(render_str("a {{ b }} c", env), "a { b } c");
}

TEST(Template, MalformedBracesAreErrors) {
  EXPECT_EQ(parse_error("{"), "unclosed '{' (write '{{' for a literal brace) @0");
  EXPECT_EQ(parse_error("ab{x"), "unclosed '{' (write '{{' for a literal brace) @2");
  EXPECT_EQ(parse_error("}"), "single '}' is not allowed (write '}}' for a literal brace) @0");
  EXPECT_EQ(parse_error("a } b"), "single '}' is not allowed (write '}}' for a literal brace) @2");
  EXPECT_EQ(parse_error("{}"), "empty expression '{}' (write '{{}}' for literal braces) @0");
  EXPECT_EQ(parse_error("x{ \t}"), "empty expression '{}' (write '{{}}' for literal braces) @1");
  EXPECT_EQ(parse_error("{a{b}}"),
            "'{' inside an interpolation (write '{{' for a literal brace) @2");
  EXPECT_EQ(parse_error("{'}'}"), "unterminated string literal @1");
  EXPECT_EQ(parse_error("{1 +}"), "unexpected end of expression @4");
  EXPECT_EQ(parse_error("{a b}"), "invalid syntax @3");
  EXPECT_EQ(parse_error("{a < b < c}"), "invalid syntax @7");
  EXPECT_EQ(parse_error("{x!r}"), "invalid character '!' @2");
  EXPECT_EQ(parse_error("{'\\q'}"),
            "unknown escape \\q in a string (known: \\\\ \\' \\\" \\n \\t) @2");
  EXPECT_EQ(parse_error("{99999999999999999999}"), "integer literal out of the 64-bit range @1");
}

TEST(Template, SpacesAroundTheExpressionAreIgnored) {
  MapEnvironment env;
  env.vars["i"] = Value(3LL);
  EXPECT_EQ(render_str("{ i }", env), "3");
  EXPECT_EQ(render_str("<{\ti + 1 }>", env), "<4>");
}

TEST(Template, SingleExpressionKeepsItsType) {
  MapEnvironment env;
  env.vars["i"] = Value(7LL);
  const Value v = render(parse_template("{i}"), env);
  ASSERT_NE(v.get_if<long long>(), nullptr);
  EXPECT_EQ(*v.get_if<long long>(), 7);
  EXPECT_NE(render(parse_template(" {i}"), env).get_if<std::string>(), nullptr);
  EXPECT_NE(render(parse_template("{i}{i}"), env).get_if<std::string>(), nullptr);
}

TEST(Template, StrOfValuesIsPython3s) {
  MapEnvironment env;
  env.vars["l"] = Value(std::make_shared<List>(List{Value(1LL), Value("a"), Value(), Value(true)}));
  EXPECT_EQ(render_str("{l}", env), "[1, 'a', None, True]");
  EXPECT_EQ(render_str("{0.5} {1.0} {0.1 + 0.2} {True} {None}", env),
            "0.5 1.0 0.30000000000000004 True None");
  EXPECT_EQ(render_str("{\"it's\"} {['it\\'s']}", env), "it's [\"it's\"]");
}

TEST(Expression, OperatorsHavePythonsMeaning) {
  MapEnvironment env;
  env.vars["n"] = Value(5LL);
  env.vars["s"] = Value("abc");
  EXPECT_EQ(render_str("{n - 2 + 10}", env), "13");
  EXPECT_EQ(render_str("{-n}", env), "-5");
  EXPECT_EQ(render_str("{0 or 'x'} {1 and 0} {not []}", env), "x 0 True");
  EXPECT_EQ(render_str("{n == 5.0} {n != 5} {n < 6} {'b' in s} {3 not in [1, 2]}", env),
            "True False True True True");
  EXPECT_EQ(render_str("{None is None} {n is not None}", env), "True True");
  EXPECT_EQ(render_str("{s[0]}{s[-1]} {[1, 2][1]} {len(s)} {len([1, [2]])}", env), "ac 2 3 2");
  EXPECT_EQ(render_str("{s + 'd'} {[1] + [2]} {str(n) + repr(s)}", env), "abcd [1, 2] 5'abc'");
  EXPECT_EQ(render_str("{type(n)} {type(s).__name__} {int('42') + int(2.9)} {bool('')}", env),
            "<class 'int'> str 44 False");
}

TEST(Expression, ErrorsAreThePythonExceptions) {
  MapEnvironment env;
  env.vars["n"] = Value(5LL);
  EXPECT_EQ(raised("{1 + 'a'}", env),
            "TypeError: unsupported operand type(s) for +: 'int' and 'str'");
  EXPECT_EQ(raised("{'a' + 1}", env), "TypeError: can only concatenate str (not \"int\") to str");
  EXPECT_EQ(raised("{-'a'}", env), "TypeError: bad operand type for unary -: 'str'");
  EXPECT_EQ(raised("{1 < 'a'}", env),
            "TypeError: '<' not supported between instances of 'int' and 'str'");
  EXPECT_EQ(raised("{[1][5]}", env), "IndexError: list index out of range");
  EXPECT_EQ(raised("{[1]['a']}", env),
            "TypeError: list indices must be integers or slices, not str");
  EXPECT_EQ(raised("{3 in 3}", env), "TypeError: argument of type 'int' is not iterable");
  EXPECT_EQ(raised("{len(3)}", env), "TypeError: object of type 'int' has no len()");
  EXPECT_EQ(raised("{nope}", env), "NameError: name 'nope' is not defined");
  EXPECT_EQ(raised("{n.real}", env), "AttributeError: 'int' object has no attribute 'real'");
  EXPECT_EQ(raised("{9223372036854775807 + 1}", env),
            "OverflowError: integer result out of the 64-bit range");
}

TEST(Expression, ListsAndDictsAreMutableReferences) {
  MapEnvironment env;
  auto list = std::make_shared<List>();
  auto dict = std::make_shared<DictObject>(Kwargs{{"a", Value(1LL)}});
  env.vars["l"] = Value(list);
  env.vars["d"] = Value(dict);
  env.vars["e"] = Value(std::make_shared<DictObject>());
  EXPECT_EQ(render_str("{l.append('x')} {l} {len(l)}", env), "None ['x'] 1");
  set_item(env.vars["l"], Value(-1LL), Value(2LL));
  set_item(env.vars["d"], Value("b"), Value(List{}.empty()));
  set_item(env.vars["d"], Value("a"), Value("A"));
  EXPECT_EQ(render_str("{l} {d} {len(d)} {d['a']} {'b' in d} {'z' in d}", env),
            "[2] {'a': 'A', 'b': True} 2 A True False");
  EXPECT_EQ(render_str("{bool(d)} {bool(e)} {e} {not e} {d == d} {d == e}", env),
            "True False {} True True False");
  set_item(env.vars["e"], Value("b"), Value(true));
  set_item(env.vars["e"], Value("a"), Value("A"));
  EXPECT_EQ(render_str("{d == e} {type(d).__name__} {repr(e)}", env),
            "True dict {'b': True, 'a': 'A'}");
  EXPECT_EQ(raised("{d['nope']}", env), "KeyError: 'nope'");
  EXPECT_EQ(raised("{d[[1]]}", env), "TypeError: unhashable type: 'list'");
  EXPECT_EQ(raised("{l.append()}", env),
            "TypeError: list.append() takes exactly one argument (0 given)");
  EXPECT_EQ(raised("{l.pop()}", env), "AttributeError: 'list' object has no attribute 'pop'");
  for (long long bad : {5LL, -2LL}) {
    try {
      set_item(env.vars["l"], Value(bad), Value());
      ADD_FAILURE() << "no IndexError for " << bad;
    } catch (const pythreading::PythonError& e) {
      EXPECT_EQ(std::string(e.type_name()) + ": " + e.what(),
                "IndexError: list assignment index out of range");
    }
  }
  try {
    set_item(Value(std::make_shared<List>()), Value(-1LL), Value());
    ADD_FAILURE() << "no IndexError for an empty list";
  } catch (const pythreading::PythonError& e) {
    EXPECT_EQ(std::string(e.what()), "list assignment index out of range");
  }
  try {
    set_item(Value("s"), Value(0LL), Value());
    ADD_FAILURE() << "no TypeError";
  } catch (const pythreading::PythonError& e) {
    EXPECT_EQ(std::string(e.what()), "'str' object does not support item assignment");
  }
  set_item(env.vars["e"], Value(1LL), Value());
  try {
    (void)std::dynamic_pointer_cast<DictObject>(env.vars["e"].object<Object>())->as_kwargs();
    ADD_FAILURE() << "no TypeError";
  } catch (const pythreading::PythonError& e) {
    EXPECT_EQ(std::string(e.what()), "keywords must be strings");
  }
}

TEST(Expression, ObjectsWithCallAndBoolHooks) {
  MapEnvironment env;
  auto o = std::make_shared<PlainObject>("BooleanTarget");
  o->self = o;
  env.vars["o"] = Value(o);
  EXPECT_EQ(render_str("{bool(o)}", env), "True");
  o->bool_hook = [](const Value& self) { return Value(self.object<PlainObject>() == nullptr); };
  o->call_hook = [](const Value&, const List& args, const Kwargs& kwargs) {
    return Value(static_cast<long long>(args.size() + kwargs.size()));
  };
  EXPECT_EQ(render_str("{bool(o)} {not o} {o or 'falsy'}", env), "False True falsy");
  EXPECT_EQ(py_str(call_value(env.vars["o"], List{Value(1LL)}, Kwargs{{"k", Value()}})), "2");
  o->bool_hook = [](const Value&) { return Value(1LL); };
  EXPECT_EQ(raised("{bool(o)}", env), "TypeError: __bool__ should return bool, returned int");
  try {
    (void)call_value(Value(3LL), {}, {});
    ADD_FAILURE() << "no TypeError";
  } catch (const pythreading::PythonError& e) {
    EXPECT_EQ(std::string(e.what()), "'int' object is not callable");
  }
  env.vars["empty"] = Value(std::make_shared<TupleObject>(List{}));
  env.vars["one"] = Value(std::make_shared<TupleObject>(List{Value(1LL)}));
  EXPECT_EQ(render_str("{bool(empty)} {bool(one)}", env), "False True");
}

TEST(Expression, NestingIsBounded) {
  const std::string deep(kMaxExpressionDepth + 1, '(');
  EXPECT_EQ(parse_error("{" + deep + "1" + std::string(kMaxExpressionDepth + 1, ')') + "}")
                .rfind("expression nested too deeply @", 0),
            0u);
  std::string nots;
  for (int i = 0; i < 10000; ++i) nots += "not ";
  EXPECT_NE(parse_error("{" + nots + "1}"), "parsed");
  std::string chain = "1";
  for (int i = 0; i < 10000; ++i) chain += "+1";
  EXPECT_EQ(parse_error("{" + chain + "}").rfind("expression nested too deeply", 0), 0u);
  std::string attrs = "a";
  for (int i = 0; i < 10000; ++i) attrs += ".b";
  EXPECT_EQ(parse_error("{" + attrs + "}").rfind("expression nested too deeply", 0), 0u);
  std::string negs(10000, '-');
  EXPECT_NE(parse_error("{" + negs + "1}"), "parsed");
}

}  // namespace
}  // namespace threadspec::executor
