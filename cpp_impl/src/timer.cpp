// pythreading: Timer's "finished" event.
#include "pythreading/timer.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>

namespace pythreading::detail {

struct TimerEvent::Impl {
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<bool> flag{false};
};

TimerEvent::TimerEvent() : impl_(std::make_unique<Impl>()) {}
TimerEvent::~TimerEvent() = default;

void TimerEvent::set() noexcept {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->flag.store(true, std::memory_order_release);
  }
  impl_->cv.notify_all();
}

bool TimerEvent::is_set() const noexcept { return impl_->flag.load(std::memory_order_acquire); }

bool TimerEvent::wait(double seconds) {
  if (std::isnan(seconds) || seconds < 0) seconds = 0;
  // Cap far beyond any realistic interval; keeps the chrono arithmetic in range.
  seconds = std::min(seconds, 1e9);
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                      std::chrono::duration<double>(seconds));
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->cv.wait_until(lock, deadline,
                       [this] { return impl_->flag.load(std::memory_order_acquire); });
  return impl_->flag.load(std::memory_order_acquire);
}

}  // namespace pythreading::detail
