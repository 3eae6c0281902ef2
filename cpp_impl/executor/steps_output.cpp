// Handlers of the output steps: print and the five logging calls.
#include "interpreter.hpp"
#include "output.hpp"
#include "pythreading/logging.hpp"

namespace threadspec::executor {

namespace {

namespace logging = pythreading::logging;

void print_step(Interpreter& in, const Step& s, Locals* locals) {
  const Field* file = s.find("file");
  const int fd = file && file->word == "stderr" ? 2 : 1;
  emit(fd, in.text(s.at("text"), locals));
}

/// logging.LEVEL(text) on the root logger: pythreading formats and writes the record
/// (through its output sink, which the executor traces).
template <int Level>
void log_step(Interpreter& in, const Step& s, Locals* locals) {
  logging::log(Level, in.text(s.at("text"), locals));
}

constexpr HandlerEntry kHandlers[] = {
    {"print", print_step},
    {"debug", log_step<logging::DEBUG>},
    {"info", log_step<logging::INFO>},
    {"warning", log_step<logging::WARNING>},
    {"error", log_step<logging::ERROR>},
    {"critical", log_step<logging::CRITICAL>},
};

}  // namespace

std::span<const HandlerEntry> output_handlers() { return kHandlers; }

}  // namespace threadspec::executor
