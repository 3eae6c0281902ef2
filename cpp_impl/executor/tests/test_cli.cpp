// The executor as a process: a request it cannot run is exit status 125 and exactly one
// line "threadspec-executor: error: ..." on stderr, with nothing run; numbers out of range
// are the program's Python errors, as CPython raises them.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Result {
  int status = -1;
  std::string out;
  std::string err;
};

std::string slurp(int fd) {
  std::string s;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) s.append(buf, static_cast<std::size_t>(n));
  return s;
}

/// Runs the executor with `request` on stdin (and `args`), collecting its output.
Result run(const std::string& request, const char* arg = nullptr) {
  char in_path[] = "/tmp/cpp_executor_in_XXXXXX";
  char out_path[] = "/tmp/cpp_executor_out_XXXXXX";
  char err_path[] = "/tmp/cpp_executor_err_XXXXXX";
  const int in = mkstemp(in_path), out = mkstemp(out_path), err = mkstemp(err_path);
  EXPECT_EQ(write(in, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  lseek(in, 0, SEEK_SET);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in, 0);
  posix_spawn_file_actions_adddup2(&actions, out, 1);
  posix_spawn_file_actions_adddup2(&actions, err, 2);
  char* argv[] = {const_cast<char*>(EXECUTOR_PATH), const_cast<char*>(arg), nullptr};
  pid_t pid = 0;
  Result r;
  if (posix_spawn(&pid, EXECUTOR_PATH, &actions, nullptr, argv, environ) == 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
  }
  posix_spawn_file_actions_destroy(&actions);
  lseek(out, 0, SEEK_SET);
  lseek(err, 0, SEEK_SET);
  r.out = slurp(out);
  r.err = slurp(err);
  for (int fd : {in, out, err}) close(fd);
  for (const char* p : {in_path, out_path, err_path}) unlink(p);
  return r;
}

std::string program(const std::string& main, const std::string& functions = "{}") {
  return "{\"protocol\": 3, \"time_scale\": 1, \"scenario\": {\"id\": \"t/cli\", \"functions\": " +
         functions + ", \"main\": " + main + "}}";
}

void expect_rejected(const std::string& request, const std::string& message) {
  const Result r = run(request);
  EXPECT_EQ(r.status, 125) << request;
  EXPECT_EQ(r.out, "") << request;
  EXPECT_EQ(r.err, "threadspec-executor: error: bad input: " + message + "\n") << request;
}

TEST(Cli, RejectsBeforeRunningAnything) {
  expect_rejected(program("[{\"op\": \"print\", \"text\": \"ran\", \"line\": 2},"
                          " {\"op\": \"frobnicate\", \"line\": 3}]"),
                  "scenario line 3: unsupported step 'frobnicate'");
  expect_rejected(program("[{\"op\": \"print\", \"text\": \"ran\", \"line\": 2},"
                          " {\"op\": \"print\", \"text\": \"{\", \"line\": 3}]"),
                  "scenario line 3: step 'print': field 'text': bad template \"{\": unclosed "
                  "'{' (write '{{' for a literal brace) (column 1)");
}

TEST(Cli, HostileInputsAreOneLineAndStatus125) {
  expect_rejected("{}", "the request has no 'protocol'");
  expect_rejected("",
                  "bad JSON: parse error at line 1, column 1: syntax error while parsing "
                  "value - unexpected end of input; expected '[', '{', or a literal");
  expect_rejected(std::string(1 << 20, '['), "bad JSON: nested deeper than 200 levels");
  expect_rejected(std::string(1 << 20, '{'), "bad JSON: nested deeper than 200 levels");
  expect_rejected("\x01\xff",
                  "bad JSON: parse error at line 1, column 1: syntax error while "
                  "parsing value - invalid literal; last read: '<U+0001>'");
  expect_rejected(program("[{\"op\": \"exit\", \"code\": 1e20, \"line\": 3}]"),
                  "scenario line 3: step 'exit': field 'code' must be an integer (64-bit), not a "
                  "number 1e+20");
  expect_rejected(program("[{\"op\": \"sleep\", \"seconds\": \"soon\", \"line\": 3}]"),
                  "scenario line 3: step 'sleep': field 'seconds' must be a number of seconds "
                  "or \"{EXPR}\", not a string \"soon\"");
}

TEST(Cli, UnknownArgumentsAreRejected) {
  const Result r = run("", "--frobnicate");
  EXPECT_EQ(r.status, 125);
  EXPECT_EQ(r.err,
            "threadspec-executor: error: unknown arguments (usage: threadspec_cpp_executor "
            "[--describe] < request.json)\n");
}

TEST(Cli, ExitStatusIsTruncatedAsByTheOs) {
  EXPECT_EQ(run(program("[{\"op\": \"exit\", \"code\": 300, \"line\": 3}]")).status, 44);
  EXPECT_EQ(run(program("[{\"op\": \"exit\", \"code\": -1, \"line\": 3}]")).status, 255);
  EXPECT_EQ(run(program("[{\"op\": \"exit\", \"code\": 0, \"line\": 3}]")).status, 0);
}

TEST(Cli, AbsurdSleepIsOverflowError) {
  const Result r = run(program("[{\"op\": \"sleep\", \"seconds\": 1e300, \"line\": 3}]"));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "Traceback (most recent call last):\n"
            "  File \"<scenario>\", line 3, in <module>\n"
            "OverflowError: timestamp out of range for platform time_t\n");
}

TEST(Cli, EndlessRecursionIsRecursionError) {
  const Result r = run(program("[{\"op\": \"call\", \"fn\": \"f\", \"line\": 3}]",
                               "{\"f\": {\"params\": [], \"body\": [{\"op\": \"call\", \"fn\": "
                               "\"f\", \"line\": 2}]}}"));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.substr(r.err.rfind("RecursionError")),
            "RecursionError: maximum recursion depth exceeded\n");
}

TEST(Cli, TimerArgsAndKwargsAreTheTimersOwnMutableArguments) {
  const Result r = run(program(
      "[{\"op\": \"timer\", \"var\": \"t\", \"interval\": 0, \"target\": \"f\", "
      "\"args\": [1], \"line\": 2},"
      " {\"op\": \"eval\", \"expr\": \"t.args.append(2)\", \"line\": 3},"
      " {\"op\": \"assign\", \"target\": \"t.kwargs['k']\", \"value\": 3, \"line\": 4},"
      " {\"op\": \"print\", \"text\": \"{t.args} {t.kwargs}\", \"file\": \"stdout\", "
      "\"line\": 5},"
      " {\"op\": \"start\", \"var\": \"t\", \"line\": 6}, {\"op\": \"join\", \"var\": "
      "\"t\", \"line\": 7},"
      " {\"op\": \"timer\", \"var\": \"u\", \"interval\": 0, \"target\": \"f\", \"line\": 8},"
      " {\"op\": \"print\", \"text\": \"{u.args} {u.kwargs}\", \"file\": \"stdout\", "
      "\"line\": 9}]",
      "{\"f\": {\"params\": [\"a\", \"b\", \"k\"], \"body\": [{\"op\": \"print\", \"text\": "
      "\"f {a} {b} {k}\", \"file\": \"stdout\", \"line\": 1}]}}"));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "[1, 2] {'k': 3}\nf 1 2 3\n[] {}\n");
}

TEST(Cli, CallExcepthookReportsThroughTheLibrarysHook) {
  const Result r = run(program(
      "[{\"op\": \"try\", \"line\": 2, \"body\": [{\"op\": \"raise\", \"type\": "
      "\"ValueError\", \"message\": \"bug\", \"line\": 3}], \"except\": [{\"types\": "
      "[\"ValueError\"], \"as\": \"e\", \"line\": 4, \"body\": ["
      "{\"op\": \"call_excepthook\", \"var\": \"e\", \"thread\": null, \"line\": 5},"
      " {\"op\": \"call_excepthook\", \"var\": \"e\", \"thread\": \"{current_thread}\", "
      "\"line\": 6}]}]},"
      " {\"op\": \"print\", \"text\": \"{get_ident}\", \"file\": \"stdout\", \"line\": 7}]"));
  EXPECT_EQ(r.status, 0) << r.err;
  const std::string ident = r.out.substr(0, r.out.size() - 1);
  EXPECT_EQ(r.err, "Exception in thread " + ident +
                       ":\nTraceback (most recent call last):\n  (C++: no traceback available)\n"
                       "ValueError: bug\nException in thread MainThread:\nTraceback (most recent "
                       "call last):\n  (C++: no traceback available)\nValueError: bug\n");
}

/// The trace's line events of a run of `main` (a protocol-3 program), as "stream: text".
std::vector<std::string> traced_lines(const std::string& main, Result& r) {
  char trace_path[] = "/tmp/cpp_executor_trace_XXXXXX";
  const int fd = mkstemp(trace_path);
  close(fd);
  r = run("{\"protocol\": 3, \"time_scale\": 1, \"trace\": \"" + std::string(trace_path) +
          "\", \"scenario\": {\"id\": \"t/cli\", \"functions\": {}, \"main\": " + main + "}}");
  std::vector<std::string> lines;
  std::ifstream trace(trace_path);
  for (std::string line; std::getline(trace, line);) {
    const auto event = nlohmann::json::parse(line);
    if (event.at("kind") == "line") {
      lines.push_back(event.at("stream").get<std::string>() + ": " +
                      event.at("text").get<std::string>());
    }
  }
  unlink(trace_path);
  return lines;
}

TEST(Cli, WhileStderrIsNoneTheMainThreadsReportGoesToItsSavedStderrTraced) {
  Result r;
  const std::vector<std::string> lines = traced_lines(
      "[{\"op\": \"set_stderr\", \"value\": \"None\", \"line\": 1},"
      " {\"op\": \"try\", \"line\": 2, \"body\": [{\"op\": \"raise\", \"type\": "
      "\"ValueError\", \"message\": \"bug\", \"line\": 3}], \"except\": [{\"types\": "
      "[\"ValueError\"], \"as\": \"e\", \"line\": 4, \"body\": ["
      "{\"op\": \"call_excepthook\", \"var\": \"e\", \"thread\": \"{main_thread}\", "
      "\"line\": 5}]}]}]",
      r);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(
      lines,
      (std::vector<std::string>{
          "stderr: Exception in thread MainThread:", "stderr: Traceback (most recent call last):",
          "stderr:   (C++: no traceback available)", "stderr: ValueError: bug"}));
}

TEST(Cli, SysExitsMessageIsWrittenOnStderrTracedEvenWhileStderrIsNone) {
  Result r;
  const std::vector<std::string> lines = traced_lines(
      "[{\"op\": \"set_stderr\", \"value\": \"None\", \"line\": 1},"
      " {\"op\": \"exit\", \"code\": \"{'stopped'}\", \"line\": 2}]",
      r);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "stopped\n");
  EXPECT_EQ(lines, std::vector<std::string>{"stderr: stopped"});
}

TEST(Cli, FalseCallableObjectIsAThreadTarget) {
  const Result r = run(program(
      "[{\"op\": \"object\", \"var\": \"o\", \"call\": \"c\", \"bool\": \"b\", \"line\": 2},"
      " {\"op\": \"thread\", \"var\": \"t\", \"target\": {\"var\": \"o\"}, \"args\": [5], "
      "\"line\": 3},"
      " {\"op\": \"print\", \"text\": \"{bool(o)} {t.name}\", \"file\": \"stdout\", \"line\": 4},"
      " {\"op\": \"start\", \"var\": \"t\", \"line\": 5}, {\"op\": \"join\", \"var\": "
      "\"t\", \"line\": 6}]",
      "{\"c\": {\"params\": [\"self\", \"x\"], \"body\": [{\"op\": \"print\", \"text\": "
      "\"called {x} {type(self).__name__}\", \"file\": \"stdout\", \"line\": 1}]},"
      " \"b\": {\"params\": [\"self\"], \"body\": [{\"op\": \"return\", \"value\": false, "
      "\"line\": 1}]}}"));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "False Thread-1\ncalled 5 Object\n");
}

TEST(Cli, KeyErrorsStrIsTheReprOfItsKey) {
  const Result r = run(program(
      "[{\"op\": \"try\", \"line\": 2, \"body\": [{\"op\": \"raise\", \"type\": "
      "\"KeyError\", \"message\": \"k\", \"line\": 3}], \"except\": [{\"types\": "
      "[\"KeyError\"], \"as\": \"e\", \"line\": 4, \"body\": [{\"op\": \"print\", \"text\": "
      "\"{e} {e.args} {repr(e)}\", \"file\": \"stdout\", \"line\": 5}]}]},"
      " {\"op\": \"raise\", \"type\": \"KeyError\", \"message\": \"boom\", \"line\": 6}]"));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "'k' ('k',) KeyError('k')\n");
  EXPECT_EQ(r.err.substr(r.err.rfind("KeyError")), "KeyError: 'boom'\n");
}

TEST(Cli, ForIteratesADictsKeysAndSelfContainingValuesPrint) {
  const Result r = run(
      program("[{\"op\": \"timer\", \"var\": \"t\", \"interval\": 0, \"target\": \"f\", "
              "\"kwargs\": {\"a\": 1, \"b\": 2}, \"line\": 2},"
              " {\"op\": \"for\", \"var\": \"k\", \"in\": \"t.kwargs\", \"line\": 3, \"body\": ["
              "{\"op\": \"print\", \"text\": \"{k}={t.kwargs[k]}\", \"file\": \"stdout\", "
              "\"line\": 4}]},"
              " {\"op\": \"assign\", \"target\": \"x\", \"value\": \"{[]}\", \"line\": 5},"
              " {\"op\": \"eval\", \"expr\": \"x.append(x)\", \"line\": 6},"
              " {\"op\": \"assign\", \"target\": \"t.kwargs['a']\", \"value\": \"{t.kwargs}\", "
              "\"line\": 7},"
              " {\"op\": \"print\", \"text\": \"{x} {t.kwargs} {x == x}\", \"file\": \"stdout\", "
              "\"line\": 8},"
              " {\"op\": \"assign\", \"target\": \"x[0]\", \"value\": 0, \"line\": 9},"
              " {\"op\": \"assign\", \"target\": \"t.kwargs['a']\", \"value\": 0, \"line\": 10}]",
              "{\"f\": {\"params\": [], \"body\": []}}"));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "a=1\nb=2\n[[...]] {'a': {...}, 'b': 2} True\n");
}

TEST(Cli, CallingTheConstantRootTimeoutMaxIsCallingAFloat) {
  const Result r = run(
      program("[{\"op\": \"try\", \"line\": 2, \"body\": [{\"op\": \"eval\", \"expr\": "
              "\"TIMEOUT_MAX()\", \"line\": 3}], \"except\": [{\"types\": [\"TypeError\"], \"as\": "
              "\"e\", \"line\": 4, \"body\": [{\"op\": \"print\", \"text\": \"{e}\", \"file\": "
              "\"stdout\", \"line\": 5}]}]}]"));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "'float' object is not callable\n");
}

TEST(Cli, DescribeListsProtocolsAndSteps) {
  const Result r = run("", "--describe");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("\"protocol\":3,\"protocols\":[1,2,3]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"steps\":[\"thread\",\"timer\","), std::string::npos) << r.out;
}

}  // namespace
