// The library's output sink; contracts in output.hpp.
#include "pythreading/output.hpp"

#include <cstdio>
#include <memory>
#include <utility>

#include "pythreading/thread_annotations.hpp"

namespace pythreading {
namespace {

detail::AnnotatedMutex g_sink_mu;
// Never destroyed (daemon threads may report until _exit); a copy is taken per report so a
// sink replaced meanwhile stays alive until that report is written.
std::shared_ptr<const OutputSink>* g_sink PYTHREADING_GUARDED_BY(g_sink_mu) =
    new std::shared_ptr<const OutputSink>();

}  // namespace

void write_stderr(std::string_view text) noexcept {
  flockfile(stderr);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
  funlockfile(stderr);
}

void set_output_sink(OutputSink sink) {
  auto fresh = sink ? std::make_shared<const OutputSink>(std::move(sink)) : nullptr;
  detail::AnnotatedLock lock(g_sink_mu);
  g_sink->swap(fresh);
}  // the previous sink is released here, outside the lock

void write_output(std::string_view text) noexcept {
  std::shared_ptr<const OutputSink> sink;
  {
    detail::AnnotatedLock lock(g_sink_mu);
    sink = *g_sink;
  }
  if (!sink) {
    write_stderr(text);
    return;
  }
  try {
    (*sink)(text);
  } catch (...) {  // a sink must not throw; if it does, the report goes to stderr instead
    write_stderr(text);
  }
}

}  // namespace pythreading
