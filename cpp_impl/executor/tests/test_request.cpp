// Request parsing and validation: every malformed request is one BadRequest whose message
// names the scenario line and field in the format's words; every scenario of specs/ (its
// canonical form) is accepted.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "interpreter.hpp"
#include "request.hpp"

namespace threadspec::executor {
namespace {

/// The BadRequest message for `text`, or "accepted".
std::string rejection(const std::string& text) {
  try {
    (void)parse_request(text, implemented);
  } catch (const BadRequest& e) {
    return e.what();
  }
  return "accepted";
}

/// A request whose main is `steps` (JSON), with optional functions (JSON object).
std::string with_main(const std::string& steps, const std::string& functions = "{}",
                      int protocol = 3) {
  return "{\"protocol\": " + std::to_string(protocol) +
         ", \"time_scale\": 0.5, \"scenario\": {\"id\": \"t/x\", \"functions\": " + functions +
         ", \"main\": " + steps + "}}";
}

struct Case {
  const char* name;
  std::string request;
  std::string message;
};

TEST(Request, MalformedRequestsAreRejectedWithOneClearMessage) {
  const Case cases[] = {
      {"empty", "",
       "bad JSON: parse error at line 1, column 1: syntax error while parsing value - unexpected "
       "end of input; expected '[', '{', or a literal"},
      {"truncated", "[1,",
       "bad JSON: parse error at line 1, column 4: syntax error while parsing value - unexpected "
       "end of input; expected '[', '{', or a literal"},
      {"not an object", "[]", "the request must be a JSON object, not a list"},
      {"empty object", "{}", "the request has no 'protocol'"},
      {"deep nesting", std::string(100000, '['), "bad JSON: nested deeper than 200 levels"},
      {"huge number", "{\"protocol\": 1e999}", "bad JSON: number overflow parsing '1e999'"},
      {"protocol 4", "{\"protocol\": 4, \"scenario\": {}}",
       "unsupported protocol 4 (this executor speaks 1, 2, 3)"},
      {"protocol true", "{\"protocol\": true}",
       "unsupported protocol true (this executor speaks 1, 2, 3)"},
      {"time scale string", "{\"protocol\": 1, \"time_scale\": \"x\", \"scenario\": {}}",
       "request field 'time_scale' must be a number, not a string"},
      {"time scale zero", "{\"protocol\": 1, \"time_scale\": 0, \"scenario\": {}}",
       "request field 'time_scale' must be a finite number above 0, not 0"},
      {"trace not string", "{\"protocol\": 1, \"trace\": 3, \"scenario\": {}}",
       "request: field 'trace' must be a string, not an integer"},
      {"no scenario", "{\"protocol\": 1}", "the request has no 'scenario'"},
      {"no main", "{\"protocol\": 1, \"scenario\": {}}", "the scenario has no 'main'"},
      {"main not list", with_main("{}"),
       "scenario field 'main' must be a list of steps, not a mapping"},
      {"step not mapping", with_main("[3]"),
       "a step in scenario field 'main' must be a mapping, not an integer"},
      {"no op", with_main("[{\"line\": 4}]"),
       "scenario line 4: a step needs 'op', the step's name, as a string"},
      {"unknown step", with_main("[{\"op\": \"frobnicate\", \"line\": 4}]"),
       "scenario line 4: unsupported step 'frobnicate'"},
      {"bad line", with_main("[{\"op\": \"collect\", \"line\": \"x\"}]"),
       "a step in scenario field 'main' has a bad 'line': \"x\""},
      {"protocol 2 step in protocol 1", with_main("[{\"op\": \"collect\", \"line\": 4}]", "{}", 1),
       "scenario line 4: step 'collect': needs protocol 2, the request says 1"},
      {"protocol 2 field in protocol 1",
       with_main("[{\"op\": \"release\", \"var\": \"l\", \"n\": 2, \"line\": 4}]", "{}", 1),
       "scenario line 4: step 'release': field 'n' needs protocol 2, the request says 1"},
      {"protocol 3 step in protocol 2",
       with_main("[{\"op\": \"set_stderr\", \"value\": \"None\", \"line\": 4}]", "{}", 2),
       "scenario line 4: step 'set_stderr': needs protocol 3, the request says 2"},
      {"protocol 3 field in protocol 2",
       with_main("[{\"op\": \"object\", \"var\": \"o\", \"call\": \"f\", \"line\": 4}]",
                 "{\"f\": {\"params\": [\"self\"], \"body\": []}}", 2),
       "scenario line 4: step 'object': field 'call' needs protocol 3, the request says 2"},
      {"item target in protocol 2",
       with_main("[{\"op\": \"assign\", \"target\": \"x[0]\", \"value\": 1, \"line\": 4}]", "{}",
                 2),
       "scenario line 4: step 'assign': field 'target': an item target E[K] needs protocol 3, the "
       "request says 2"},
      {"var callable in protocol 2",
       with_main(
           "[{\"op\": \"thread\", \"var\": \"t\", \"target\": {\"var\": \"o\"}, \"line\": 4}]",
           "{}", 2),
       "scenario line 4: step 'thread': field 'target': {var: V} needs protocol 3, the request "
       "says 2"},
      {"unknown field",
       with_main("[{\"op\": \"start\", \"var\": \"t\", \"colour\": 1, \"line\": 4}]"),
       "scenario line 4: step 'start': unknown field 'colour'"},
      {"missing role", with_main("[{\"op\": \"start\", \"line\": 4}]"),
       "scenario line 4: step 'start': needs the field 'var'"},
      {"missing field",
       with_main("[{\"op\": \"timer\", \"var\": \"t\", \"target\": \"f\", \"line\": 4}]",
                 "{\"f\": {\"params\": [], \"body\": []}}"),
       "scenario line 4: step 'timer': needs the field 'interval'"},
      {"bad variable", with_main("[{\"op\": \"lock\", \"var\": \"1x\", \"line\": 4}]"),
       "scenario line 4: step 'lock': field 'var' must be a variable name, not a string \"1x\""},
      {"seconds string", with_main("[{\"op\": \"sleep\", \"seconds\": \"x\", \"line\": 3}]"),
       "scenario line 3: step 'sleep': field 'seconds' must be a number of seconds or \"{EXPR}\", "
       "not a string \"x\""},
      {"seconds string p1",
       with_main("[{\"op\": \"sleep\", \"seconds\": \"{x}\", \"line\": 3}]", "{}", 1),
       "scenario line 3: step 'sleep': field 'seconds' must be a number of seconds, not a string "
       "\"{x}\""},
      {"seconds bool", with_main("[{\"op\": \"sleep\", \"seconds\": true, \"line\": 3}]"),
       "scenario line 3: step 'sleep': field 'seconds' must be a number of seconds, not a boolean"},
      {"exit float", with_main("[{\"op\": \"exit\", \"code\": 1e20, \"line\": 3}]"),
       "scenario line 3: step 'exit': field 'code' must be an integer (64-bit), not a number "
       "1e+20"},
      {"exit huge", with_main("[{\"op\": \"exit\", \"code\": 18446744073709551615, \"line\": 3}]"),
       "scenario line 3: step 'exit': field 'code' must be an integer (64-bit), not an integer "
       "18446744073709551615"},
      {"exit fraction", with_main("[{\"op\": \"exit\", \"code\": 1.5, \"line\": 3}]"),
       "scenario line 3: step 'exit': field 'code' must be an integer (64-bit), not a number 1.5"},
      {"bool int",
       with_main("[{\"op\": \"set_daemon\", \"var\": \"t\", \"value\": 1, \"line\": 3}]"),
       "scenario line 3: step 'set_daemon': field 'value' must be true or false, not an integer 1"},
      {"value object",
       with_main("[{\"op\": \"assign\", \"target\": \"x\", \"value\": {}, \"line\": 3}]"),
       "scenario line 3: step 'assign': field 'value' must be a value (scalar or list), not a "
       "mapping"},
      {"value huge int",
       with_main("[{\"op\": \"assign\", \"target\": \"x\", \"value\": [18446744073709551615], "
                 "\"line\": 3}]"),
       "scenario line 3: step 'assign': field 'value': integer 18446744073709551615 is outside the "
       "64-bit range"},
      {"assign target",
       with_main("[{\"op\": \"assign\", \"target\": \"a.b.c\", \"value\": 1, \"line\": 3}]"),
       "scenario line 3: step 'assign': field 'target' must be a variable name or NAME.ATTR, not a "
       "string \"a.b.c\""},
      {"unclosed brace",
       with_main("[{\"op\": \"print\", \"text\": \"{\", \"file\": \"stdout\", \"line\": 3}]"),
       "scenario line 3: step 'print': field 'text': bad template \"{\": unclosed '{' (write '{{' "
       "for a literal brace) (column 1)"},
      {"lone brace", with_main("[{\"op\": \"print\", \"text\": \"a}\", \"line\": 3}]"),
       "scenario line 3: step 'print': field 'text': bad template \"a}\": single '}' is not "
       "allowed (write '}}' for a literal brace) (column 2)"},
      {"empty braces", with_main("[{\"op\": \"print\", \"text\": \"{}\", \"line\": 3}]"),
       "scenario line 3: step 'print': field 'text': bad template \"{}\": empty expression '{}' "
       "(write '{{}}' for literal braces) (column 1)"},
      {"text not string", with_main("[{\"op\": \"print\", \"text\": [1], \"line\": 3}]"),
       "scenario line 3: step 'print': field 'text' must be a string (a template), not a list"},
      {"bad stream",
       with_main("[{\"op\": \"print\", \"text\": \"x\", \"file\": \"stdlog\", \"line\": 3}]"),
       "scenario line 3: step 'print': field 'file' must be \"stdout\" or \"stderr\", not a string "
       "\"stdlog\""},
      {"bad expression", with_main("[{\"op\": \"eval\", \"expr\": \"a +\", \"line\": 3}]"),
       "scenario line 3: step 'eval': field 'expr': bad expression \"a +\": unexpected end of "
       "expression (column 4)"},
      {"unknown function", with_main("[{\"op\": \"call\", \"fn\": \"nope\", \"line\": 3}]"),
       "scenario line 3: step 'call': field 'fn' names undefined function 'nope'"},
      {"unknown target",
       with_main("[{\"op\": \"thread\", \"var\": \"t\", \"target\": {\"lambda\": \"nope\"}, "
                 "\"line\": 3}]"),
       "scenario line 3: step 'thread': field 'target' names undefined function 'nope'"},
      {"callable in p1",
       with_main(
           "[{\"op\": \"thread\", \"var\": \"t\", \"target\": {\"lambda\": \"f\"}, \"line\": 3}]",
           "{\"f\": {\"params\": [], \"body\": []}}", 1),
       "scenario line 3: step 'thread': field 'target' must be a function name, not a mapping"},
      {"unknown exception", with_main("[{\"op\": \"raise\", \"type\": \"Boom\", \"line\": 3}]"),
       "scenario line 3: step 'raise': field 'type' must be an exception type, not a string "
       "\"Boom\""},
      {"bad handler type",
       with_main("[{\"op\": \"try\", \"body\": [], \"except\": [{\"types\": [\"Nope\"], \"body\": "
                 "[], \"line\": 5}], \"line\": 3}]"),
       "scenario line 5: step 'try': 'except' type a string \"Nope\" is not an exception type"},
      {"try without except", with_main("[{\"op\": \"try\", \"body\": [], \"line\": 3}]"),
       "scenario line 3: step 'try': needs 'except' or 'finally'"},
      {"for without range",
       with_main("[{\"op\": \"for\", \"var\": \"i\", \"body\": [], \"line\": 3}]"),
       "scenario line 3: step 'for': needs exactly one of the fields 'range' and 'in'"},
      {"nested error",
       with_main(
           "[{\"op\": \"forever\", \"body\": [{\"op\": \"sleep\", \"seconds\": null, \"line\": 9}, "
           "{\"op\": \"sleep\", \"seconds\": [], \"line\": 10}], \"line\": 8}]"),
       "scenario line 10: step 'sleep': field 'seconds' must be a number of seconds, not a list"},
      {"function not mapping", with_main("[]", "{\"f\": []}"),
       "function 'f' must be a mapping with 'params' and 'body'"},
      {"function bad param", with_main("[]", "{\"f\": {\"params\": [1], \"body\": []}}"),
       "function 'f': parameter 1 is not a name"},
      {"function duplicate param",
       with_main("[]", "{\"f\": {\"params\": [\"a\", \"a\"], \"body\": []}}"),
       "function 'f': duplicate parameter 'a'"},
      {"function body step",
       with_main("[]", "{\"f\": {\"params\": [], \"body\": [{\"op\": \"sleep\", \"line\": 2}]}}"),
       "scenario line 2: step 'sleep': needs the field 'seconds'"},
      {"logging level",
       "{\"protocol\": 1, \"scenario\": {\"main\": [], \"logging\": {\"level\": \"LOUD\"}}}",
       "scenario field 'logging': unknown level 'LOUD'"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(rejection(c.request), c.message) << c.name;
  }
}

TEST(Request, MessagesNameNoCxxTypes) {
  // Wrong types of every field kind: the messages speak the format's words.
  for (const char* bad : {"1", "\"x\"", "[]", "{}", "null", "true", "1.5"}) {
    for (const char* step :
         {"sleep", "exit", "print", "thread", "call", "for", "acquire", "assign"}) {
      const std::string role = std::string(step) == "sleep"    ? "seconds"
                               : std::string(step) == "exit"   ? "code"
                               : std::string(step) == "print"  ? "text"
                               : std::string(step) == "call"   ? "fn"
                               : std::string(step) == "assign" ? "target"
                                                               : "var";
      const std::string message = rejection(with_main(
          std::string("[{\"op\": \"") + step + "\", \"" + role + "\": " + bad + ", \"line\": 3}]"));
      for (const char* cxx :
           {"std::", "basic_string", "nlohmann", "type must be", "json.exception"}) {
        EXPECT_EQ(message.find(cxx), std::string::npos) << step << " " << bad << ": " << message;
      }
    }
  }
}

TEST(Request, ValidRequestsCompile) {
  const Request r = parse_request(with_main(
      "[{\"op\": \"thread\", \"var\": \"t\", \"target\": {\"partial\": \"f\", \"args\": [1], "
      "\"kwargs\": {\"b\": \"{x}\"}}, \"daemon\": \"{x == 1}\", \"line\": 3},"
      " {\"op\": \"try\", \"body\": [{\"op\": \"reraise\", \"line\": 5}], \"except\": "
      "[{\"types\": [\"ValueError\", \"BrokenBarrierError\"], \"as\": \"e\", \"body\": [], "
      "\"line\": 6}], \"finally\": [], \"line\": 4}]",
      "{\"f\": {\"params\": [\"a\", \"b\"], \"body\": []}}"));
  ASSERT_EQ(r.program.main.size(), 2u);
  const Step& thread = r.program.main[0];
  EXPECT_EQ(thread.line, 3);
  EXPECT_EQ(thread.at("target").callable.kind, Callable::Kind::partial);
  EXPECT_EQ(thread.at("target").callable.function, "f");
  EXPECT_TRUE(thread.at("daemon").value.text->single_expression);
  const auto& handler = r.program.main[1].at("except").handlers.at(0);
  EXPECT_EQ(handler.types.size(), 2u);
  EXPECT_EQ(handler.as, "e");
  EXPECT_EQ(handler.line, 6);
  EXPECT_DOUBLE_EQ(r.time_scale, 0.5);
}

/// The canonical forms of every scenario in specs/ (made by the CTest fixture
/// cpp_executor.seeds, `tools/threadspec compile` of each file).
TEST(Request, EveryScenarioOfSpecsIsAccepted) {
  const char* dir = std::getenv("THREADSPEC_SEEDS_DIR");
  ASSERT_NE(dir, nullptr) << "THREADSPEC_SEEDS_DIR is not set (CTest sets it)";
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(rejection(text.str()), "accepted") << entry.path();
    ++seen;
  }
  EXPECT_GE(seen, 32);
}

}  // namespace
}  // namespace threadspec::executor
