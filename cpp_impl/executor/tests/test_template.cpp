// Templates and expressions: the parser is total (every string parses or throws ParseError)
// and evaluation has Python's semantics.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

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

TEST(Expression, BitwiseOrOfIntegersAndUnionsOfClasses) {
  MapEnvironment env;
  env.vars["n"] = Value(5LL);
  env.vars["Lock"] = Value(lock_class());
  EXPECT_EQ(render_str("{1 | 2 | 4} {True | False} {True | 2} {n | 0 == 5}", env), "7 True 3 True");
  EXPECT_EQ(render_str("{Lock | None} / {None | Lock} / {type(Lock | None)}", env),
            "_thread.lock | None / None | _thread.lock / <class 'types.UnionType'>");
  EXPECT_EQ(render_str("{type(1) | None | type(1) | Lock} / {type(1) | type(2)}", env),
            "int | None | _thread.lock / <class 'int'>");
  EXPECT_EQ(raised("{1 | 'a'}", env),
            "TypeError: unsupported operand type(s) for |: 'int' and 'str'");
  EXPECT_EQ(raised("{None | None}", env),
            "TypeError: unsupported operand type(s) for |: 'NoneType' and 'NoneType'");
}

TEST(Expression, ClassStatementsRefuseFinalBasesAsCPython313) {
  auto refused = [](const Value& base) {
    try {
      (void)subclass("C", base);
    } catch (const pythreading::PythonError& e) {
      return std::string(e.type_name()) + ": " + e.what();
    }
    return std::string("no error");
  };
  static_assert(std::is_final_v<pythreading::Lock>);
  EXPECT_EQ(refused(Value(lock_class())),
            "TypeError: type '_thread.lock' is not an acceptable base type");
  EXPECT_EQ(refused(Value(type_of(Value(new_lock({}))))),
            "TypeError: type '_thread.lock' is not an acceptable base type");
  EXPECT_EQ(refused(Value(type_of(Value(true)))),
            "TypeError: type 'bool' is not an acceptable base type");
  // A base that is not a class is outside the format: one error in both executors.
  EXPECT_EQ(refused(Value(1LL)), "TypeError: subclass base must be a class, not 'int'");
  EXPECT_EQ(refused(Value(new_lock({}))), "TypeError: subclass base must be a class, not 'lock'");
  const Value union_value = bit_or(Value(type_of(Value(1LL))), Value());
  EXPECT_EQ(refused(Value(type_of(union_value))),
            "TypeError: type 'types.UnionType' is not an acceptable base type");
  EXPECT_EQ(subclass("Sub", Value(type_of(Value("s"))))->repr(), "<class '__main__.Sub'>");
}

TEST(Expression, ClassesTheProgramMakesAreThemselvesOnly) {
  MapEnvironment env;
  const Value str_class(type_of(Value("s")));
  env.vars["A"] = Value(subclass("Object", str_class));
  env.vars["B"] = Value(subclass("Object", str_class));
  auto o = std::make_shared<PlainObject>(object_class("Object", "", ""));
  env.vars["o"] = Value(o);
  env.vars["p"] = Value(std::make_shared<PlainObject>(object_class("Object", "", "")));
  env.vars["q"] = Value(std::make_shared<PlainObject>(object_class("Object", "hook", "")));
  env.vars["local_type"] = Value(local_class("Object", "init"));
  EXPECT_EQ(render_str("{A is A} {A is B} {A == B} {type(o) is A} {type(A) is type(B)}", env),
            "True False False False True");
  EXPECT_EQ(render_str("{type(o) is type(p)} {type(o) is type(q)} {type(o)}", env),
            "True False <class '__main__.Object'>");
  auto l = std::make_shared<LocalObject>();
  l->cls = "Object";
  l->type = local_class("Object", "init");
  env.vars["l"] = Value(l);
  EXPECT_EQ(render_str("{type(l) is type(o)} {type(l) is local_type} {type(l)}", env),
            "False True <class '__main__.Object'>");
  EXPECT_EQ(render_str("{len(str(A | B))} {(A | B) == (B | A)} {(A | A) is A}", env),
            "33 True True");
  EXPECT_EQ(render_str("{(type(1) | None) == (type(1) | None)} {(type(1) | None) == (type(1) | "
                       "type(''))} {(type(1) | None) != (None | type(1))}",
                       env),
            "True False False");
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

TEST(Expression, ContainersThatContainThemselves) {
  MapEnvironment env;
  auto x = std::make_shared<List>();
  list_append(x, Value(x));
  auto y = std::make_shared<List>();
  list_append(y, Value(y));
  auto d = std::make_shared<DictObject>();
  d->set_item(Value("k"), Value(d));
  auto e = std::make_shared<DictObject>();
  e->set_item(Value("k"), Value(e));
  env.vars["x"] = Value(x);
  env.vars["y"] = Value(y);
  env.vars["d"] = Value(d);
  env.vars["e"] = Value(e);
  env.vars["z"] = Value(std::make_shared<List>(List{Value(1LL), Value(d), Value(x)}));
  // CPython's texts: "[[...]]", "{'k': {...}}", nested ones inside other containers.
  EXPECT_EQ(render_str("{x} {d} {z} {repr(x)}", env),
            "[[...]] {'k': {...}} [1, {'k': {...}}, [[...]]] [[...]]");
  // Identity first: a container equals itself; two distinct ones recurse without end.
  EXPECT_EQ(render_str("{x == x} {d == d} {x in x} {x == [x]} {x == [1]}", env),
            "True True True True False");
  EXPECT_EQ(raised("{x == [y]}", env),
            "RecursionError: maximum recursion depth exceeded in comparison");
  EXPECT_EQ(raised("{x == y}", env),
            "RecursionError: maximum recursion depth exceeded in comparison");
  EXPECT_EQ(raised("{d == e}", env),
            "RecursionError: maximum recursion depth exceeded in comparison");
  // The guards are per thread and left clean: the next texts and comparisons are normal.
  EXPECT_EQ(render_str("{x} {[1] == [1]}", env), "[[...]] True");
  list_set_item(x, Value(0LL), Value());  // break the cycles: the values are freed
  d->set_item(Value("k"), Value());
  list_set_item(y, Value(0LL), Value());
  e->set_item(Value("k"), Value());
}

TEST(Expression, ListAndDictMutationsFromManyThreadsAreEachAtomic) {
  constexpr long long kThreads = 4;
  constexpr long long kEach = 300;
  auto appended = std::make_shared<List>();
  auto slots = std::make_shared<List>(static_cast<std::size_t>(kThreads * kEach));
  auto dict = std::make_shared<DictObject>();
  std::vector<std::thread> threads;
  for (long long t = 0; t < kThreads; ++t) {
    threads.emplace_back([=] {
      for (long long i = 0; i < kEach; ++i) {
        const long long n = t * kEach + i;
        list_append(appended, Value(n));
        set_item(Value(slots), Value(n), Value(n * 2));
        set_item(Value(dict), Value(std::to_string(n)), Value(n));
        dict->set_item(Value("last"), Value(t));  // one key that every thread replaces
        (void)py_str(Value(appended));            // reads race with the writes
        (void)equal(Value(dict), Value(dict));
      }
    });
  }
  for (auto& th : threads) th.join();
  // Every append and every item set is there once: none lost, none torn.
  const List items = snapshot(appended);
  ASSERT_EQ(items.size(), static_cast<std::size_t>(kThreads * kEach));
  std::vector<long long> last_of(kThreads, -1);
  for (const Value& v : items) {  // each thread's appends keep their order
    const long long n = *v.get_if<long long>();
    EXPECT_GT(n, last_of[static_cast<std::size_t>(n / kEach)]);
    last_of[static_cast<std::size_t>(n / kEach)] = n;
  }
  for (long long n = 0; n < kThreads * kEach; ++n) {
    EXPECT_EQ(*list_at(slots, static_cast<std::size_t>(n))->get_if<long long>(), n * 2);
    EXPECT_EQ(*dict->item(Value(std::to_string(n))).get_if<long long>(), n);
  }
  EXPECT_EQ(dict->length(), kThreads * kEach + 1);
  const long long last = *dict->item(Value("last")).get_if<long long>();
  EXPECT_TRUE(last >= 0 && last < kThreads);
}

TEST(Expression, ObjectsWithCallAndBoolHooks) {
  MapEnvironment env;
  auto o = std::make_shared<PlainObject>(object_class("BooleanTarget", "", ""));
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

TEST(SystemExit, StatusAndMessageAsPythonEndsAProgram) {
  const auto outcome = [](const pythreading::PythonError& e) { return system_exit_outcome(e); };
  EXPECT_EQ(outcome(ProgramExit(Value())).status, 0);
  EXPECT_FALSE(outcome(ProgramExit(Value())).message);
  EXPECT_EQ(outcome(ProgramExit(Value(3LL))).status, 3);
  EXPECT_FALSE(outcome(ProgramExit(Value(3LL))).message);
  EXPECT_EQ(outcome(ProgramExit(Value(true))).status, 1);
  EXPECT_EQ(outcome(ProgramExit(Value(false))).status, 0);
  const auto text = outcome(ProgramExit(Value(std::string("3"))));  // sys.exit("3")
  EXPECT_EQ(text.status, 1);
  EXPECT_EQ(text.message, std::optional<std::string>("3"));
  EXPECT_EQ(outcome(ProgramExit(Value(1.5))).message, std::optional<std::string>("1.5"));
  EXPECT_EQ(outcome(pythreading::Exception("SystemExit", "")).status, 0);  // raise SystemExit
  const auto raised = outcome(pythreading::Exception("SystemExit", "7"));  // SystemExit("7")
  EXPECT_EQ(raised.status, 1);
  EXPECT_EQ(raised.message, std::optional<std::string>("7"));
}

}  // namespace
}  // namespace threadspec::executor
