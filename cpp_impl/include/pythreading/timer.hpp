// pythreading/timer.hpp: threading.Timer.
//
//   t = threading.Timer(2.0, f, args=(1,)); t.start(); t.cancel()
//   -> pythreading::Timer t(2.0, f, 1);    t.start(); t.cancel();
//
// A Timer is a Thread (a handle: copies share the timer; slicing to Thread is fine). Its
// default name is "Thread-N" without a target suffix, as CPython 3.13's Timer (it calls
// Thread.__init__ without a target). When started it waits `interval` seconds, then calls
// function(args...) unless cancel() was called first.
#pragma once

#include <algorithm>
#include <concepts>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "pythreading/sync.hpp"
#include "pythreading/thread.hpp"

namespace pythreading {

class Timer : public Thread {
 public:
  /// threading.Timer(interval, function, args): function and args are decay-copied. When
  /// started, the timer waits `interval` seconds (a negative or NaN interval: not at all).
  // (clang-format 14 mangles requires-clauses)
  // clang-format off
  template <class F, class... Args>
    requires detail::TimerTarget<F, Args...>
  Timer(double interval, F&& function, Args&&... args)
      // clang-format on
      : Timer(interval, std::make_shared<Event>(), std::forward<F>(function),
              std::forward<Args>(args)...) {}

  /// Stops the timer if it is still waiting (Python's cancel(); harmless at any time,
  /// before or after start(), from any thread).
  void cancel() noexcept { finished_->set(); }
  /// Whether cancel() was called or the timer has fired (Python's `t.finished.is_set()`).
  [[nodiscard]] bool finished() const noexcept { return finished_->is_set(); }

 private:
  /// The wait of a started timer: Python's `self.finished.wait(self.interval)`, with the
  /// interval clamped to [0, TIMEOUT_MAX].
  static void wait_interval(Event& finished, double interval) {
    finished.wait(interval > 0 ? std::min(interval, TIMEOUT_MAX) : 0.0);
  }

  template <class F, class... Args>
  Timer(double interval, std::shared_ptr<Event> ev, F&& function, Args&&... args)
      : Thread(
            HandleOnly{}, ThreadOptions{},
            [interval, ev, fn = std::decay_t<F>(std::forward<F>(function))](auto&&... a) mutable {
              wait_interval(*ev, interval);
              if (!ev->is_set()) std::invoke(fn, a...);
              ev->set();
            },
            std::forward<Args>(args)...),
        finished_(std::move(ev)) {
    set_class_name("Timer");
  }

  std::shared_ptr<Event> finished_;
};

}  // namespace pythreading
