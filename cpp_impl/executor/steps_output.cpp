// Handlers of the output steps: print, set_stderr and the five logging calls.
#include "interpreter.hpp"
#include "output.hpp"
#include "pythreading/logging.hpp"
#include "pythreading/output.hpp"

namespace threadspec::executor {

namespace {

namespace logging = pythreading::logging;

/// print(text, file=sys.stderr): while sys.stderr is None (pythreading's output is None),
/// print(file=None) writes to sys.stdout.
void print_step(Interpreter& in, const Step& s, Locals* locals) {
  const Field* file = s.find("file");
  const bool to_stderr = file && file->word == "stderr" && pythreading::current_output();
  emit(to_stderr ? 2 : 1, in.text(s.at("text"), locals));
}

/// sys.stderr = None, or back to the program's own stderr.
void set_stderr_step(Interpreter&, const Step& s, Locals*) {
  if (s.at("value").word == "None") {
    pythreading::set_output_none();
  } else {
    pythreading::set_output_sink({});  // the program's own stderr
  }
}

/// logging.LEVEL(text) on the root logger: pythreading formats and writes the record
/// (through its output sink, which the executor traces).
template <int Level>
void log_step(Interpreter& in, const Step& s, Locals* locals) {
  logging::log(Level, in.text(s.at("text"), locals));
}

constexpr HandlerEntry kHandlers[] = {
    {"print", print_step},
    {"set_stderr", set_stderr_step},
    {"debug", log_step<logging::DEBUG>},
    {"info", log_step<logging::INFO>},
    {"warning", log_step<logging::WARNING>},
    {"error", log_step<logging::ERROR>},
    {"critical", log_step<logging::CRITICAL>},
};

}  // namespace

std::span<const HandlerEntry> output_handlers() { return kHandlers; }

}  // namespace threadspec::executor
