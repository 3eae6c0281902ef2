// internal/deadline.hpp: absolute deadlines on the monotonic clock, for every timed wait.
//
// A timeout in seconds (Python's float) becomes a Deadline once, at the start of a wait; a
// wait that wakes up early (a spurious wake-up, a notification for someone else) goes on
// waiting for what is left until the same Deadline, never for the whole timeout again.
// steady_clock is CLOCK_MONOTONIC on Linux, the clock futex waits and clock_nanosleep use.
#pragma once

#include <time.h>

#include <chrono>

namespace pythreading::internal {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  /// A deadline that never passes (Python's timeout=None / -1).
  static Deadline never() noexcept { return Deadline(Clock::time_point::max()); }
  /// `seconds` from now. NaN or a negative value means now; a value too large for the clock
  /// (TIMEOUT_MAX is 292 years) saturates to never(). Callers validate arguments first.
  static Deadline after(double seconds) noexcept;

  [[nodiscard]] bool is_never() const noexcept { return at_ == Clock::time_point::max(); }
  /// True once the deadline has passed (never for never()).
  [[nodiscard]] bool expired() const noexcept { return !is_never() && Clock::now() >= at_; }
  /// Seconds left (0 once passed; a huge value for never()).
  [[nodiscard]] double remaining() const noexcept;
  /// The absolute CLOCK_MONOTONIC time to pass to a futex wait or clock_nanosleep, clamped to
  /// at most a day ahead so that every value is valid for the kernel: a caller waking at the
  /// clamp sees !expired() and waits again. nullptr for never() (wait without a timeout).
  [[nodiscard]] const timespec* as_timespec(timespec& buffer) const noexcept;

 private:
  explicit Deadline(Clock::time_point at) noexcept : at_(at) {}
  Clock::time_point at_;
};

}  // namespace pythreading::internal
