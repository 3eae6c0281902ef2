// The library's output sink; contracts in output.hpp.
#include "pythreading/output.hpp"

#include <cstdio>
#include <memory>
#include <utility>

#include "pythreading/thread_annotations.hpp"

namespace pythreading {
namespace {

/// The sink that stands for the C stderr stream; one shared object, so a Thread that saved
/// it keeps it.
const OutputRef& stderr_sink() {
  static const OutputRef* sink = new OutputRef(std::make_shared<const OutputSink>(write_stderr));
  return *sink;
}

/// sys.stderr: the current sink, null while None. Never destroyed (daemon threads may report
/// until _exit); a copy is taken per report so a sink replaced meanwhile stays alive until
/// that report is written.
struct Current {
  detail::AnnotatedMutex mu;
  OutputRef sink PYTHREADING_GUARDED_BY(mu) = stderr_sink();
};

Current& current() {
  static Current* c = new Current();
  return *c;
}

void replace(OutputRef fresh) {
  Current& c = current();
  detail::AnnotatedLock lock(c.mu);
  c.sink.swap(fresh);
}  // the previous sink is released here, outside the lock

}  // namespace

void write_stderr(std::string_view text) noexcept {
  flockfile(stderr);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
  funlockfile(stderr);
}

void set_output_sink(OutputSink sink) {
  replace(sink ? std::make_shared<const OutputSink>(std::move(sink)) : stderr_sink());
}

void set_output_none() { replace(nullptr); }

OutputRef current_output() {
  Current& c = current();
  detail::AnnotatedLock lock(c.mu);
  return c.sink;
}

void write_output(std::string_view text) noexcept {
  OutputRef sink;
  try {
    sink = current_output();
  } catch (...) {  // the mutex failed: nothing sensible to write with
    return;
  }
  write_output_to(sink, text);
}

void write_output_to(const OutputRef& out, std::string_view text) noexcept {
  if (!out) return;
  try {
    (*out)(text);
  } catch (...) {  // a sink must not throw; if it does, the report goes to stderr instead
    write_stderr(text);
  }
}

}  // namespace pythreading
