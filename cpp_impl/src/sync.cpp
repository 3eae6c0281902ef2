// Synchronisation primitives with CPython 3.13's semantics; contracts in sync.hpp. Lock,
// RLock, Condition and Event wait on futexes (internal/futex.hpp); Semaphore and Barrier are
// built on Condition and Lock exactly as CPython builds them.
#include "pythreading/sync.hpp"

#include <cmath>

#include "internal/deadline.hpp"
#include "internal/futex.hpp"
#include "pythreading/thread.hpp"

namespace pythreading {
namespace {

using internal::Deadline;

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

// The deadline of a wait(timeout) call: nullopt waits forever, a negative timeout does not
// wait; NaN and values above TIMEOUT_MAX are rejected.
Deadline wait_deadline(std::optional<double> timeout) {
  if (!timeout) return Deadline::never();
  if (std::isnan(*timeout) || *timeout > TIMEOUT_MAX) {
    throw OverflowError("timestamp out of range for platform time_t");
  }
  return Deadline::after(*timeout);
}

}  // namespace

// ---------------------------------------------------------------- FutexMutex
namespace detail {
bool FutexMutex::lock_for(double timeout) noexcept {
  if (try_lock()) return true;
  return internal::mutex_lock_slow(word_,
                                   timeout == -1 ? Deadline::never() : Deadline::after(timeout));
}
void FutexMutex::wake_one() noexcept { internal::futex_wake(word_, 1); }
}  // namespace detail

// ---------------------------------------------------------------- Lock
bool Lock::acquire_slow(bool blocking, double timeout) {
  check_acquire_args(blocking, timeout);
  if (!blocking) return mutex_.try_lock();
  return mutex_.lock_for(timeout);
}

void Lock::throw_unlocked() { throw RuntimeError("release unlocked lock"); }

// ---------------------------------------------------------------- RLock
bool RLock::acquire_slow(bool blocking, double timeout) {
  check_acquire_args(blocking, timeout);
  const std::uintptr_t me = detail::self_token();
  if (owner_.load(std::memory_order_relaxed) == me) {
    count_.store(count_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return true;
  }
  if (!(blocking ? mutex_.lock_for(timeout) : mutex_.try_lock())) return false;
  owner_.store(me, std::memory_order_relaxed);
  count_.store(1, std::memory_order_relaxed);
  return true;
}

void RLock::throw_unowned() { throw RuntimeError("cannot release un-acquired lock"); }

std::size_t RLock::release_all() {
  if (!is_owned()) throw_unowned();
  const std::size_t count = count_.load(std::memory_order_relaxed);
  count_.store(0, std::memory_order_relaxed);
  owner_.store(0, std::memory_order_relaxed);
  mutex_.unlock();
  return count;
}

void RLock::acquire_restore(std::size_t count) {
  if (!mutex_.try_lock()) mutex_.lock_for(-1);
  owner_.store(detail::self_token(), std::memory_order_relaxed);
  count_.store(count, std::memory_order_relaxed);
}

// ---------------------------------------------------------------- Condition
// A waiter lives on its waiting thread's stack. notify() unlinks it and sets `notified`
// (under list_lock_), then wakes its futex; the waiter may have returned by then, so the
// wake-up may reach a dead address, which is harmless for a futex (a spurious wake-up at
// worst, which every futex waiter tolerates).
struct Condition::Waiter {
  std::atomic<std::uint32_t> notified{0};
  Waiter* prev = nullptr;
  Waiter* next = nullptr;
  bool linked = true;
};

void Condition::throw_not_owned() { throw RuntimeError("cannot notify on un-acquired lock"); }

void Condition::unlink(Waiter* w) {
  (w->prev != nullptr ? w->prev->next : head_) = w->next;
  (w->next != nullptr ? w->next->prev : tail_) = w->prev;
  w->prev = w->next = nullptr;
  w->linked = false;
  n_waiters_.fetch_sub(1, std::memory_order_relaxed);
}

bool Condition::wait(std::optional<double> timeout) {
  if (!is_owned()) throw RuntimeError("cannot wait on un-acquired lock");
  const Deadline deadline = wait_deadline(timeout);
  Waiter self;
  {
    Guard<Lock> guard(list_lock_);
    self.prev = tail_;
    (tail_ != nullptr ? tail_->next : head_) = &self;
    tail_ = &self;
    n_waiters_.fetch_add(1, std::memory_order_relaxed);
  }
  std::size_t saved = 0;
  if (plain_ != nullptr) {
    plain_->release();
  } else {
    saved = recursive_->release_all();
  }
  bool notified = false;
  while (!(notified = self.notified.load(std::memory_order_acquire) != 0) && !deadline.expired())
    internal::futex_wait(self.notified, 0, deadline);
  if (plain_ != nullptr) {
    plain_->acquire();
  } else {
    recursive_->acquire_restore(saved);
  }
  if (!notified) {  // timed out: leave the list, unless a notify took this waiter meanwhile
    Guard<Lock> guard(list_lock_);
    if (self.linked) unlink(&self);
  }
  return notified;
}

bool Condition::wait_for(const std::function<bool()>& predicate, std::optional<double> timeout) {
  const Deadline deadline = wait_deadline(timeout);
  bool result = predicate();
  while (!result) {
    std::optional<double> left;
    if (!deadline.is_never()) {
      left = deadline.remaining();
      if (*left <= 0) break;
    }
    wait(left);
    result = predicate();
  }
  return result;
}

void Condition::notify_slow(std::size_t n) {
  Guard<Lock> guard(list_lock_);
  while (n > 0 && head_ != nullptr) {
    Waiter* w = head_;
    unlink(w);
    w->notified.store(1, std::memory_order_release);
    internal::futex_wake(w->notified, 1);
    --n;
  }
}

// ---------------------------------------------------------------- Semaphore
Semaphore::Semaphore(long value) : value_(value) {
  if (value < 0) throw ValueError("semaphore initial value must be >= 0");
}

bool Semaphore::acquire(bool blocking, std::optional<double> timeout) {
  if (!blocking && timeout) throw ValueError("can't specify timeout for non-blocking acquire");
  const Deadline deadline = wait_deadline(timeout);
  Guard<Lock> guard(lock_);
  while (value_ == 0) {
    if (!blocking) return false;
    std::optional<double> left;
    if (!deadline.is_never()) {
      left = deadline.remaining();
      if (*left <= 0) return false;
    }
    cond_.wait(left);
  }
  --value_;
  return true;
}

void Semaphore::release(long n) {
  if (n < 1) throw ValueError("n must be one or more");
  Guard<Lock> guard(lock_);
  value_ += n;
  cond_.notify(static_cast<std::size_t>(n));
}

long Semaphore::value() const {
  Guard<Lock> guard(lock_);
  return value_;
}

BoundedSemaphore::BoundedSemaphore(long value) : Semaphore(value), initial_(value) {}

void BoundedSemaphore::release(long n) {
  if (n < 1) throw ValueError("n must be one or more");
  Guard<Lock> guard(lock_);
  if (value_ + n > initial_) throw ValueError("Semaphore released too many times");
  value_ += n;
  cond_.notify(static_cast<std::size_t>(n));
}

// ---------------------------------------------------------------- Event
// set() increments the count in bits 1..31 and sets bit 0; a waiter sleeps on the word it saw
// (flag clear), so any set() changes the word and ends its wait, whatever clear() does next.
// set/wait pair their seq_cst operations on word_ and waiters_ like Dekker's algorithm.
void Event::set() noexcept {
  std::uint32_t w = word_.load(std::memory_order_relaxed);
  do {
    if ((w & kFlag) != 0) return;
  } while (!word_.compare_exchange_weak(w, (w + 2) | kFlag, std::memory_order_seq_cst,
                                        std::memory_order_relaxed));
  if (waiters_.load(std::memory_order_seq_cst) != 0) internal::futex_wake(word_, 0);
}

void Event::clear() noexcept { word_.fetch_and(~kFlag, std::memory_order_relaxed); }

bool Event::wait(std::optional<double> timeout) {
  const std::uint32_t seen = word_.load(std::memory_order_acquire);
  if ((seen & kFlag) != 0) return true;
  const Deadline deadline = wait_deadline(timeout);
  waiters_.fetch_add(1, std::memory_order_seq_cst);
  bool notified = false;
  while (!(notified = ((word_.load(std::memory_order_seq_cst) ^ seen) >> 1) != 0) &&
         !deadline.expired())
    internal::futex_wait(word_, seen, deadline);
  waiters_.fetch_sub(1, std::memory_order_relaxed);
  return notified;
}

// ---------------------------------------------------------------- Barrier
Barrier::Barrier(long parties, std::function<void()> action, std::optional<double> timeout)
    : parties_(parties), action_(std::move(action)), timeout_(timeout) {
  if (parties < 1) throw ValueError("parties must be > 0");
}

long Barrier::wait(std::optional<double> timeout) {
  if (!timeout) timeout = timeout_;
  const Deadline deadline = wait_deadline(timeout);
  Guard<Lock> guard(lock_);
  // Wait for a previous cycle to drain or reset (CPython's _enter).
  cond_.wait_for([this]() PYTHREADING_NO_THREAD_SAFETY_ANALYSIS {
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
      cond_.notify_all();
    } else {
      std::optional<double> left;
      if (!deadline.is_never()) left = deadline.remaining();
      if (!cond_.wait_for(
              [this]() PYTHREADING_NO_THREAD_SAFETY_ANALYSIS { return state_ != State::filling; },
              left)) {
        break_locked();
        throw BrokenBarrierError();
      }
      if (state_ != State::draining) throw BrokenBarrierError();  // broken or reset meanwhile
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
  cond_.notify_all();
}

void Barrier::exit_locked() {
  // CPython's _exit: the last thread out of a draining or resetting cycle refills it.
  if (--count_ == 0 && (state_ == State::draining || state_ == State::resetting)) {
    state_ = State::filling;
    cond_.notify_all();
  }
}

void Barrier::reset() {
  Guard<Lock> guard(lock_);
  if (count_ > 0) {
    if (state_ == State::filling || state_ == State::broken) state_ = State::resetting;
  } else {
    state_ = State::filling;
  }
  cond_.notify_all();
}

void Barrier::abort() {
  Guard<Lock> guard(lock_);
  break_locked();
}

long Barrier::n_waiting() const noexcept PYTHREADING_NO_THREAD_SAFETY_ANALYSIS {
  return state_.load() == State::filling ? count_.load() : 0;
}

bool Barrier::broken() const noexcept PYTHREADING_NO_THREAD_SAFETY_ANALYSIS {
  return state_.load() == State::broken;
}

}  // namespace pythreading
