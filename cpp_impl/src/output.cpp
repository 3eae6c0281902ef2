// The library's output sink and the program's own stderr and stdout; contracts in output.hpp.
#include "pythreading/output.hpp"

#include <cstdio>
#include <memory>
#include <utility>

#include "internal/output_lock.hpp"
#include "pythreading/thread_annotations.hpp"

namespace pythreading {
namespace {

OutputRef make_ref(OutputSink f) { return std::make_shared<const OutputSink>(std::move(f)); }

void write_stream(FILE* stream, std::string_view text) noexcept {
  flockfile(stream);
  std::fwrite(text.data(), 1, text.size(), stream);
  std::fflush(stream);
  funlockfile(stream);
}

/// sys.stderr, and where the program's own stderr and stdout write. Never destroyed (daemon
/// threads may report until _exit); a copy of a reference is taken per report, so a sink
/// replaced meanwhile stays alive until that report is written.
struct Current {
  detail::AnnotatedMutex mu;
  OutputRef sink PYTHREADING_GUARDED_BY(mu);  // null while None
  OutputRef stderr_writer PYTHREADING_GUARDED_BY(mu) = make_ref(write_stderr);
  OutputRef stdout_writer PYTHREADING_GUARDED_BY(mu) = make_ref(write_stdout);
};

Current& current();

/// A copy of one of Current's references, taken under its lock.
OutputRef copy_of(OutputRef Current::*member) {
  Current& c = current();
  detail::AnnotatedLock lock(c.mu);
  return c.*member;
}

/// Swaps one of Current's references; the previous one is released outside the lock.
void replace(OutputRef Current::*member, OutputRef fresh) {
  Current& c = current();
  {
    detail::AnnotatedLock lock(c.mu);
    (c.*member).swap(fresh);
  }
}

/// Writes through the writer `member` names; a writer that throws makes the text go to
/// `fallback`.
void write_through(OutputRef Current::*member, void (*fallback)(std::string_view) noexcept,
                   std::string_view text) noexcept {
  try {
    const OutputRef writer = copy_of(member);
    try {
      (*writer)(text);
    } catch (...) {
      fallback(text);
    }
  } catch (...) {  // the mutex failed: nothing sensible to write with
  }
}

/// The program's own stderr: one shared object, so that a Thread that saved it (the main
/// thread does, at load time) follows set_stderr_writer.
const OutputRef& program_stderr() {
  static const OutputRef* ref = new OutputRef(make_ref(
      [](std::string_view text) { write_through(&Current::stderr_writer, write_stderr, text); }));
  return *ref;
}

Current& current() {
  static Current* c = [] {
    auto* fresh = new Current();
    detail::AnnotatedLock lock(fresh->mu);
    fresh->sink = program_stderr();
    return fresh;
  }();
  return *c;
}

}  // namespace

void write_stderr(std::string_view text) noexcept { write_stream(stderr, text); }
void write_stdout(std::string_view text) noexcept { write_stream(stdout, text); }

void set_output_sink(OutputSink sink) {
  replace(&Current::sink, sink ? make_ref(std::move(sink)) : program_stderr());
}

void set_output_none() { replace(&Current::sink, nullptr); }

void set_stderr_writer(OutputSink writer) {
  replace(&Current::stderr_writer, make_ref(writer ? std::move(writer) : OutputSink(write_stderr)));
}

void set_stdout_writer(OutputSink writer) {
  replace(&Current::stdout_writer, make_ref(writer ? std::move(writer) : OutputSink(write_stdout)));
}

OutputRef current_output() { return copy_of(&Current::sink); }

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

void write_program_stdout(std::string_view text) noexcept {
  write_through(&Current::stdout_writer, write_stdout, text);
}

namespace internal {

void lock_output_for_fork() PYTHREADING_NO_THREAD_SAFETY_ANALYSIS { current().mu.lock(); }
void unlock_output_after_fork() PYTHREADING_NO_THREAD_SAFETY_ANALYSIS { current().mu.unlock(); }

}  // namespace internal
}  // namespace pythreading
