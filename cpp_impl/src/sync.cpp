// Synchronisation primitives with CPython 3.13's semantics; contracts in sync.hpp.
#include "pythreading/sync.hpp"

#include <cmath>

#include "pythreading/thread.hpp"

namespace pythreading {
namespace {

using Clock = std::chrono::steady_clock;

// Validates acquire()'s arguments as CPython's lock_acquire_parse_args does.
void check_acquire_args(bool blocking, double timeout) {
  if (!blocking && timeout != -1) {
    throw ValueError("can't specify a timeout for a non-blocking call");
  }
  if (timeout < 0 && timeout != -1) {
    throw ValueError("timeout value must be a non-negative number");
  }
  if (std::isnan(timeout) || timeout > TIMEOUT_MAX) {
    throw OverflowError("timestamp out of range for platform time_t");
  }
}

// The deadline `seconds` from now (seconds >= 0, at most TIMEOUT_MAX).
Clock::time_point deadline_after(double seconds) {
  return Clock::now() +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// Waits on cv until ready() or the deadline (none: forever). Returns ready().
template <class Ready>
bool wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                std::optional<Clock::time_point> deadline, Ready ready) {
  if (!deadline) {
    cv.wait(lock, ready);
    return true;
  }
  return cv.wait_until(lock, *deadline, ready);
}

std::optional<Clock::time_point> deadline_for(std::optional<double> timeout) {
  if (!timeout) return std::nullopt;
  if (std::isnan(*timeout) || *timeout > TIMEOUT_MAX) {
    throw OverflowError("timestamp out of range for platform time_t");
  }
  return deadline_after(std::max(*timeout, 0.0));
}

}  // namespace

// ---------------------------------------------------------------- Lock
bool Lock::acquire(bool blocking, double timeout) {
  check_acquire_args(blocking, timeout);
  detail::WaitLock lock(mutex_);
  if (!held_) {
    held_ = true;
    return true;
  }
  if (!blocking) return false;
  auto deadline = timeout == -1 ? std::nullopt : std::optional(deadline_after(timeout));
  if (!wait_until(released_, lock.native(), deadline,
                  [this]() PYTHREADING_NO_THREAD_SAFETY_ANALYSIS { return !held_; })) {
    return false;
  }
  held_ = true;
  return true;
}

void Lock::release() {
  {
    detail::AnnotatedLock lock(mutex_);
    if (!held_) throw RuntimeError("release unlocked lock");
    held_ = false;
  }
  released_.notify_one();
}

bool Lock::locked() const {
  detail::AnnotatedLock lock(mutex_);
  return held_;
}

// ---------------------------------------------------------------- RLock
bool RLock::acquire(bool blocking, double timeout) {
  check_acquire_args(blocking, timeout);
  const auto me = std::this_thread::get_id();
  detail::WaitLock lock(mutex_);
  if (count_ > 0 && owner_ == me) {
    ++count_;
    return true;
  }
  if (count_ > 0) {
    if (!blocking) return false;
    auto deadline = timeout == -1 ? std::nullopt : std::optional(deadline_after(timeout));
    if (!wait_until(released_, lock.native(), deadline,
                    [this]() PYTHREADING_NO_THREAD_SAFETY_ANALYSIS { return count_ == 0; })) {
      return false;
    }
  }
  owner_ = me;
  count_ = 1;
  return true;
}

void RLock::release() {
  {
    detail::AnnotatedLock lock(mutex_);
    if (count_ == 0 || owner_ != std::this_thread::get_id()) {
      throw RuntimeError("cannot release un-acquired lock");
    }
    if (--count_ > 0) return;
    owner_ = std::thread::id();
  }
  released_.notify_one();
}

bool RLock::is_owned() const {
  detail::AnnotatedLock lock(mutex_);
  return count_ > 0 && owner_ == std::this_thread::get_id();
}

bool RLock::locked() const {
  detail::AnnotatedLock lock(mutex_);
  return count_ > 0;
}

std::size_t RLock::release_all() {
  std::size_t count = 0;
  {
    detail::AnnotatedLock lock(mutex_);
    if (count_ == 0 || owner_ != std::this_thread::get_id()) {
      throw RuntimeError("cannot release un-acquired lock");
    }
    count = count_;
    count_ = 0;
    owner_ = std::thread::id();
  }
  released_.notify_one();
  return count;
}

void RLock::acquire_restore(std::size_t count) {
  acquire();
  detail::AnnotatedLock lock(mutex_);
  count_ = count;
}

// ---------------------------------------------------------------- Condition
Condition::Condition() : own_(std::make_unique<RLock>()), recursive_(own_.get()) {}
Condition::Condition(Lock& lock) : plain_(&lock) {}
Condition::Condition(RLock& lock) : recursive_(&lock) {}

bool Condition::acquire(bool blocking, double timeout) {
  return plain_ ? plain_->acquire(blocking, timeout) : recursive_->acquire(blocking, timeout);
}

void Condition::release() { plain_ ? plain_->release() : recursive_->release(); }

bool Condition::is_owned() {
  if (recursive_) return recursive_->is_owned();
  // CPython's rule for a plain Lock: owned means "held" (if we can take it, nobody held it).
  if (plain_->acquire(false)) {
    plain_->release();
    return false;
  }
  return true;
}

bool Condition::wait(std::optional<double> timeout) {
  if (!is_owned()) throw RuntimeError("cannot wait on un-acquired lock");
  auto deadline = deadline_for(timeout);
  auto waiter = std::make_shared<Waiter>();
  {
    detail::AnnotatedLock lock(waiters_mutex_);
    waiters_.push_back(waiter);
  }
  std::size_t saved = 0;
  if (plain_) {
    plain_->release();
  } else {
    saved = recursive_->release_all();
  }
  bool notified = false;
  {
    std::unique_lock lock(waiter->mutex);
    notified = wait_until(waiter->cv, lock, deadline, [&] { return waiter->notified; });
  }
  if (plain_) {
    plain_->acquire();
  } else {
    recursive_->acquire_restore(saved);
  }
  if (!notified) {  // timed out: leave the queue unless a notify took us meanwhile
    detail::AnnotatedLock lock(waiters_mutex_);
    std::erase(waiters_, waiter);
    std::lock_guard wl(waiter->mutex);
    notified = waiter->notified;
  }
  return notified;
}

bool Condition::wait_for(const std::function<bool()>& predicate, std::optional<double> timeout) {
  auto deadline = deadline_for(timeout);
  bool result = predicate();
  while (!result) {
    std::optional<double> left;
    if (deadline) {
      left = std::chrono::duration<double>(*deadline - Clock::now()).count();
      if (*left <= 0) break;
    }
    wait(left);
    result = predicate();
  }
  return result;
}

void Condition::notify(std::size_t n) {
  if (!is_owned()) throw RuntimeError("cannot notify on un-acquired lock");
  detail::AnnotatedLock lock(waiters_mutex_);
  while (n > 0 && !waiters_.empty()) {
    auto waiter = waiters_.front();
    waiters_.pop_front();
    {
      std::lock_guard wl(waiter->mutex);
      waiter->notified = true;
    }
    waiter->cv.notify_one();
    --n;
  }
}

void Condition::notify_all() {
  if (!is_owned()) throw RuntimeError("cannot notify on un-acquired lock");
  std::size_t n = 0;
  {
    detail::AnnotatedLock lock(waiters_mutex_);
    n = waiters_.size();
  }
  notify(n);
}

// ---------------------------------------------------------------- Semaphore
Semaphore::Semaphore(long value) : value_(value) {
  if (value < 0) throw ValueError("semaphore initial value must be >= 0");
}

bool Semaphore::acquire(bool blocking, std::optional<double> timeout) {
  if (!blocking && timeout) throw ValueError("can't specify timeout for non-blocking acquire");
  auto deadline = deadline_for(timeout);
  detail::WaitLock lock(mutex_);
  if (value_ == 0 && !blocking) return false;
  if (!wait_until(available_, lock.native(), deadline,
                  [this]() PYTHREADING_NO_THREAD_SAFETY_ANALYSIS { return value_ > 0; })) {
    return false;
  }
  --value_;
  return true;
}

void Semaphore::release(long n) {
  if (n < 1) throw ValueError("n must be one or more");
  {
    detail::AnnotatedLock lock(mutex_);
    value_ += n;
  }
  for (long i = 0; i < n; ++i) available_.notify_one();
}

long Semaphore::value() const {
  detail::AnnotatedLock lock(mutex_);
  return value_;
}

BoundedSemaphore::BoundedSemaphore(long value) : Semaphore(value), initial_(value) {}

void BoundedSemaphore::release(long n) {
  if (n < 1) throw ValueError("n must be one or more");
  {
    detail::AnnotatedLock lock(mutex_);
    if (value_ + n > initial_) throw ValueError("Semaphore released too many times");
    value_ += n;
  }
  for (long i = 0; i < n; ++i) available_.notify_one();
}

// ---------------------------------------------------------------- Event
bool Event::is_set() const {
  detail::AnnotatedLock lock(mutex_);
  return flag_;
}

void Event::set() {
  {
    detail::AnnotatedLock lock(mutex_);
    flag_ = true;
  }
  changed_.notify_all();
}

void Event::clear() {
  detail::AnnotatedLock lock(mutex_);
  flag_ = false;
}

bool Event::wait(std::optional<double> timeout) {
  auto deadline = deadline_for(timeout);
  detail::WaitLock lock(mutex_);
  return wait_until(changed_, lock.native(), deadline,
                    [this]() PYTHREADING_NO_THREAD_SAFETY_ANALYSIS { return flag_; });
}

// ---------------------------------------------------------------- Barrier
Barrier::Barrier(long parties, std::function<void()> action, std::optional<double> timeout)
    : parties_(parties), action_(std::move(action)), timeout_(timeout) {
  if (parties < 1) throw ValueError("parties must be > 0");
}

long Barrier::wait(std::optional<double> timeout) {
  if (!timeout) timeout = timeout_;
  auto deadline = deadline_for(timeout);
  detail::WaitLock lock(mutex_);
  // Wait for a previous cycle to drain or reset (CPython's _enter).
  wait_until(changed_, lock.native(), std::nullopt, [this]() PYTHREADING_NO_THREAD_SAFETY_ANALYSIS {
    return state_ != State::draining && state_ != State::resetting;
  });
  if (state_ == State::broken) throw BrokenBarrierError();
  const long index = count_++;
  try {
    if (index + 1 == parties_) {  // the last to arrive runs the action and releases all
      if (action_) {
        try {
          action_();
        } catch (...) {
          break_locked();
          throw;
        }
      }
      state_ = State::draining;
      changed_.notify_all();
    } else if (!wait_until(changed_, lock.native(), deadline,
                           [this]() PYTHREADING_NO_THREAD_SAFETY_ANALYSIS {
                             return state_ != State::filling;
                           })) {
      break_locked();
      throw BrokenBarrierError();
    } else if (state_ != State::draining) {
      throw BrokenBarrierError();  // broken or reset while waiting
    }
  } catch (...) {
    exit_locked();
    throw;
  }
  exit_locked();
  return index;
}

void Barrier::break_locked() {
  state_ = State::broken;
  changed_.notify_all();
}

void Barrier::exit_locked() {
  // CPython's _exit: the last thread out of a draining or resetting cycle refills it.
  if (--count_ == 0 && (state_ == State::draining || state_ == State::resetting)) {
    state_ = State::filling;
    changed_.notify_all();
  }
}

void Barrier::reset() {
  detail::AnnotatedLock lock(mutex_);
  if (count_ > 0) {
    if (state_ == State::filling) {
      state_ = State::resetting;
    } else if (state_ == State::broken) {
      state_ = State::resetting;
    }
  } else {
    state_ = State::filling;
  }
  changed_.notify_all();
}

void Barrier::abort() {
  detail::AnnotatedLock lock(mutex_);
  break_locked();
}

long Barrier::n_waiting() const {
  detail::AnnotatedLock lock(mutex_);
  return state_ == State::filling ? count_ : 0;
}

bool Barrier::broken() const {
  detail::AnnotatedLock lock(mutex_);
  return state_ == State::broken;
}

}  // namespace pythreading
