// threadspec_cpp_executor: runs one threadspec scenario with pythreading, the C++
// implementation of Python's threading module (specs/README.md section 8).
//
// Usage: threadspec_cpp_executor --describe | threadspec_cpp_executor < request.json
// The request is parsed and validated whole before anything runs; a request this executor
// cannot run is one line "threadspec-executor: error: ..." on stderr and exit status 125.
// The program's output goes to the real stdout/stderr and, line by line, to the trace.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "interpreter.hpp"
#include "output.hpp"
#include "pythreading/threading.hpp"
#include "request.hpp"

namespace {

namespace pt = pythreading;
namespace ex = threadspec::executor;

constexpr int kExecutorError = 125;

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "threadspec-executor: error: %s\n", message.c_str());
  std::fflush(stderr);
  std::_Exit(kExecutorError);
}

std::unique_ptr<ex::Interpreter> g_interpreter;

/// The program's main: runs the scenario's main; an uncaught exception is reported as
/// CPython reports one (a traceback naming the scenario line) with status 1.
int program_main(int, char**) {
  ex::trace_started();
  int status = 0;
  try {
    g_interpreter->run_main();
  } catch (const pt::PythonError& e) {
    if (std::string(e.type_name()) == "SystemExit") {
      status = ex::report_system_exit(e);
    } else {  // reported at once, before the non-daemon threads are joined (spec 8.5)
      const std::string message = e.what();
      const std::string type = e.qualified_type_name();
      ex::write_stderr_report(
          {"Traceback (most recent call last):",
           "  File \"<scenario>\", line " + std::to_string(ex::current_line()) + ", in <module>",
           type + (message.empty() ? "" : ": " + message)});
      status = 1;
    }
  }
  pt::shutdown();               // the non-daemon threads are joined,
  g_interpreter->run_atexit();  // then the atexit handlers (and pending finalizers) run
  return status;
}

void describe() {
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& s : threadspec::vocabulary::kSteps) {
    if (ex::implemented(s.name)) steps.push_back(std::string(s.name));
  }
  nlohmann::json protocols = nlohmann::json::array();
  int highest = 0;
  for (int p : ex::kProtocols) {
    protocols.push_back(p);
    highest = std::max(highest, p);
  }
  std::cout << nlohmann::json{{"protocol", highest},
                              {"protocols", protocols},
                              {"steps", steps},
                              {"implementation", "pythreading"},
                              {"version", THREADSPEC_VERSION},
                              {"emulates", "3.13.0"}}
                   .dump()
            << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--describe") {
    describe();
    return 0;
  }
  if (argc != 1) {
    fail("unknown arguments (usage: threadspec_cpp_executor [--describe] < request.json)");
  }
  ex::Request request;
  try {
    std::string text;
    char buf[65536];
    while (std::cin.read(buf, sizeof buf) || std::cin.gcount() > 0) {
      text.append(buf, static_cast<std::size_t>(std::cin.gcount()));
      if (text.size() > ex::kMaxRequestBytes) break;
    }
    request = ex::parse_request(text, ex::implemented);
  } catch (const ex::BadRequest& e) {
    fail(std::string("bad input: ") + e.what());
  }
  if (request.trace && !ex::open_trace(*request.trace)) {
    fail("cannot open the trace file '" + *request.trace + "'");
  }
  // The library's own output (excepthook reports, warnings, log records) is traced; its
  // warnings are located at the scenario step that caused them (spec 4.7: "ID:LINE").
  const std::string id = request.program.id.empty() ? "<scenario>" : request.program.id;
  ex::install_program_streams();
  pt::warnings::set_location_resolver([id]() -> std::optional<pt::warnings::Location> {
    if (ex::current_line() == 0) return std::nullopt;
    return pt::warnings::Location{id, ex::current_line()};
  });
  g_interpreter = std::make_unique<ex::Interpreter>(std::move(request.program), request.time_scale);
  return pt::run_main(program_main, argc, argv);
}
