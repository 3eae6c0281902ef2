// How the process ends: threading._shutdown (join the non-daemon threads), exit, run_main and
// the on_exit handler for a plain return from main. Ends with _exit so that static
// destructors never race daemon threads.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <vector>

#include "internal/futex.hpp"
#include "internal/registry.hpp"
#include "internal/report.hpp"
#include "pythreading/output.hpp"

extern "C" void __lsan_do_leak_check(void) __attribute__((weak));

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PYTHREADING_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define PYTHREADING_TSAN 1
#endif
#ifdef PYTHREADING_TSAN
// ThreadSanitizer's _exit() sleeps atexit_sleep_ms (1 s by default) when other threads still
// run, which would let daemon threads run on past the end of the program. Default it to 0
// (weak: a program's own __tsan_default_options wins; TSAN_OPTIONS still overrides).
extern "C" __attribute__((weak)) const char* __tsan_default_options() {
  return "atexit_sleep_ms=0";
}
#endif

namespace pythreading {

using detail::AnnotatedLock;
using detail::ThreadKind;
using detail::ThreadState;

namespace {

void flush_all() noexcept {
  try {
    std::cout.flush();
    std::cerr.flush();
    std::clog.flush();
  } catch (...) {
  }
  std::fflush(nullptr);
}

[[noreturn]] void finish_process(int status) {
  flush_all();
  if (__lsan_do_leak_check != nullptr) __lsan_do_leak_check();
  _exit(status);
}

}  // namespace

void internal::exit_handler(int status, void*) {
  const Thread* me = detail::current_handle;
  if (me != nullptr && ThreadAccess::state(*me).kind == ThreadKind::kMain) shutdown();
  finish_process(status);
}

void shutdown() {
  internal::Registry& reg = internal::registry();
  ThreadState* me = &internal::current_state();
  if (me->kind == ThreadKind::kMain) internal::set_flag(me->done, me->joiners);
  for (;;) {
    std::vector<std::shared_ptr<ThreadState>> pending;
    {
      AnnotatedLock lock(reg.mu);
      for (ThreadState* s = reg.head; s != nullptr; s = s->reg_next) {
        if (s->kind == ThreadKind::kNormal && s != me &&
            !s->daemon.load(std::memory_order_relaxed) &&
            s->done.load(std::memory_order_acquire) == 0)
          pending.push_back(s->shared_from_this());
      }
    }
    if (pending.empty()) return;
    for (auto& s : pending) internal::wait_flag(s->done, s->joiners, internal::Deadline::never());
  }
}

void exit(int status) {
  shutdown();
  finish_process(status);
}

int run_main(int (*main_fn)(int, char**), int argc, char** argv) {
  int status = 1;
  try {
    status = main_fn(argc, argv);
  } catch (...) {
    ExceptHookArgs a = make_excepthook_args(std::current_exception(), std::nullopt);
    if (a.exc_type == "SystemExit") {
      const std::string& m = a.exc_value;
      char* end = nullptr;
      long code = m.empty() ? 0 : std::strtol(m.c_str(), &end, 10);
      if (m.empty() || (end != nullptr && *end == '\0')) {
        status = static_cast<int>(code);
      } else {
        write_output(m + "\n");
        status = 1;
      }
    } else {
      std::string text(internal::kNoTraceback);
      text += internal::exception_line(a);
      write_output(text);
      status = 1;
    }
  }
  exit(status);
}

}  // namespace pythreading
