// Deadline arithmetic; contracts in deadline.hpp.
#include "internal/deadline.hpp"

#include <cmath>

namespace pythreading::internal {
namespace {
using Seconds = std::chrono::duration<double>;
constexpr double kMaxWaitSeconds = 86400.0;  // as_timespec's clamp
}  // namespace

Deadline Deadline::after(double seconds) noexcept {
  const Clock::time_point now = Clock::now();
  if (!(seconds > 0)) return Deadline(now);  // NaN, zero, negative
  const double room = Seconds(Clock::time_point::max() - now).count();
  if (seconds >= room - 1.0) return never();  // 1 s of margin for rounding
  return Deadline(now + std::chrono::duration_cast<Clock::duration>(Seconds(seconds)));
}

double Deadline::remaining() const noexcept {
  if (is_never()) return HUGE_VAL;
  const double left = Seconds(at_ - Clock::now()).count();
  return left > 0 ? left : 0.0;
}

const timespec* Deadline::as_timespec(timespec& buffer) const noexcept {
  if (is_never()) return nullptr;
  Clock::time_point at = at_;
  const Clock::time_point cap =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(Seconds(kMaxWaitSeconds));
  if (at > cap) at = cap;
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch());
  buffer.tv_sec = static_cast<time_t>(ns.count() / 1000000000);
  buffer.tv_nsec = static_cast<long>(ns.count() % 1000000000);
  return &buffer;
}

}  // namespace pythreading::internal
