// pythreading/sync.hpp: CPython 3.13's synchronisation primitives (Lock, RLock, Condition,
// Semaphore, BoundedSemaphore, Event, Barrier) with Python's semantics and error texts.
//
// Timeouts are seconds as double, as in Python. For acquire(blocking, timeout):
//   timeout == -1 waits forever; blocking == false with a timeout other than -1 throws
//   ValueError("can't specify a timeout for a non-blocking call"); a negative timeout other
//   than -1 throws ValueError("timeout value must be a non-negative number"); a timeout
//   above TIMEOUT_MAX throws OverflowError("timestamp out of range for platform time_t").
// For wait(timeout) functions, a std::nullopt timeout waits forever and a negative one does
// not wait (as in Python).
//
// Every member function is thread-safe. Lock and RLock satisfy the C++ Lockable
// requirements, so std::unique_lock and std::scoped_lock work with them (Python's `with`).
// None of these types depends on pythreading::Thread: RLock owners are OS threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "pythreading/errors.hpp"
#include "pythreading/thread_annotations.hpp"

namespace pythreading {

namespace detail {
/// Holds an AnnotatedMutex for a scope as a std::unique_lock, so condition variables can
/// wait on it while Clang's analysis sees the capability held for the whole scope.
class PYTHREADING_SCOPED_CAPABILITY WaitLock {
 public:
  explicit WaitLock(AnnotatedMutex& m) PYTHREADING_ACQUIRE(m) : lock_(m.native()) {}
  ~WaitLock() PYTHREADING_RELEASE() {}
  WaitLock(const WaitLock&) = delete;
  WaitLock& operator=(const WaitLock&) = delete;
  std::unique_lock<std::mutex>& native() noexcept { return lock_; }

 private:
  std::unique_lock<std::mutex> lock_;
};
}  // namespace detail

/// threading.Lock: a non-recursive lock that any thread may release.
class Lock {
 public:
  Lock() = default;
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  /// Acquires the lock. Returns true once acquired; false when non-blocking and held, or
  /// when the timeout passed. Throws ValueError / OverflowError for bad arguments (above).
  bool acquire(bool blocking = true, double timeout = -1);
  /// Releases the lock. Throws RuntimeError("release unlocked lock") when it is not held.
  void release();
  /// True when some thread holds the lock.
  [[nodiscard]] bool locked() const;

  void lock() { acquire(); }
  void unlock() { release(); }
  bool try_lock() { return acquire(false); }

 private:
  mutable detail::AnnotatedMutex mutex_;
  std::condition_variable released_;
  bool held_ PYTHREADING_GUARDED_BY(mutex_) = false;
};

/// threading.RLock: a recursive lock; only its owner may release it.
class RLock {
 public:
  RLock() = default;
  RLock(const RLock&) = delete;
  RLock& operator=(const RLock&) = delete;

  /// Acquires the lock, recursively when the caller owns it already. Same arguments and
  /// errors as Lock::acquire.
  bool acquire(bool blocking = true, double timeout = -1);
  /// Releases one level. Throws RuntimeError("cannot release un-acquired lock") when the
  /// caller does not own it.
  void release();
  /// True when the calling thread owns the lock.
  [[nodiscard]] bool is_owned() const;
  /// True when any thread owns the lock.
  [[nodiscard]] bool locked() const;

  void lock() { acquire(); }
  void unlock() { release(); }
  bool try_lock() { return acquire(false); }

  /// Condition support (CPython's _release_save / _acquire_restore): releases every level
  /// and returns the count; restores it later. The caller must own the lock.
  std::size_t release_all();
  void acquire_restore(std::size_t count);

 private:
  mutable detail::AnnotatedMutex mutex_;
  std::condition_variable released_;
  std::thread::id owner_ PYTHREADING_GUARDED_BY(mutex_);
  std::size_t count_ PYTHREADING_GUARDED_BY(mutex_) = 0;
};

/// threading.Condition over a Lock or an RLock (a new RLock by default, as in Python).
/// The lock is referenced, not owned, when given: it must outlive the Condition.
class Condition {
 public:
  Condition();
  explicit Condition(Lock& lock);
  explicit Condition(RLock& lock);
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  /// The underlying lock's acquire / release (Python's `with cond:`).
  bool acquire(bool blocking = true, double timeout = -1);
  void release();
  void lock() { acquire(); }
  void unlock() { release(); }

  /// Releases the lock (every level of an RLock), waits for a notify or the timeout, then
  /// re-acquires it. Returns false on timeout. Throws RuntimeError("cannot wait on
  /// un-acquired lock") when the caller does not hold the lock.
  bool wait(std::optional<double> timeout = std::nullopt);
  /// Waits until predicate() is true or the timeout passed; returns the last predicate value.
  bool wait_for(const std::function<bool()>& predicate,
                std::optional<double> timeout = std::nullopt);
  /// Wakes up to n waiters (FIFO). Throws RuntimeError("cannot notify on un-acquired lock")
  /// when the caller does not hold the lock.
  void notify(std::size_t n = 1);
  void notify_all();

 private:
  struct Waiter {
    std::mutex mutex;
    std::condition_variable cv;
    bool notified = false;
  };
  bool is_owned();

  std::unique_ptr<RLock> own_;
  Lock* plain_ = nullptr;
  RLock* recursive_ = nullptr;
  detail::AnnotatedMutex waiters_mutex_;
  std::deque<std::shared_ptr<Waiter>> waiters_ PYTHREADING_GUARDED_BY(waiters_mutex_);
};

/// threading.Semaphore: a counter that acquire decrements, blocking at zero.
class Semaphore {
 public:
  /// Throws ValueError("semaphore initial value must be >= 0") for a negative value.
  explicit Semaphore(long value = 1);
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  virtual ~Semaphore() = default;

  /// Decrements the counter, waiting while it is zero. Returns false when non-blocking and
  /// zero, or on timeout. Throws ValueError("can't specify timeout for non-blocking acquire")
  /// when blocking is false and a timeout is given.
  bool acquire(bool blocking = true, std::optional<double> timeout = std::nullopt);
  /// Increments the counter by n, waking up to n waiters. Throws ValueError("n must be one
  /// or more") for n < 1.
  virtual void release(long n = 1);
  [[nodiscard]] long value() const;

 protected:
  mutable detail::AnnotatedMutex mutex_;
  std::condition_variable available_;
  long value_ PYTHREADING_GUARDED_BY(mutex_);
};

/// threading.BoundedSemaphore: release above the initial value throws
/// ValueError("Semaphore released too many times").
class BoundedSemaphore : public Semaphore {
 public:
  explicit BoundedSemaphore(long value = 1);
  void release(long n = 1) override;

 private:
  long initial_;
};

/// threading.Event: a flag threads can wait for.
class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  [[nodiscard]] bool is_set() const;
  /// Sets the flag and wakes every waiter.
  void set();
  void clear();
  /// Waits until the flag is set or the timeout passed; returns the flag.
  bool wait(std::optional<double> timeout = std::nullopt);

 private:
  mutable detail::AnnotatedMutex mutex_;
  std::condition_variable changed_;
  bool flag_ PYTHREADING_GUARDED_BY(mutex_) = false;
};

/// threading.Barrier: `parties` threads wait until all have arrived.
class Barrier {
 public:
  /// Throws ValueError("parties must be > 0") for parties < 1. `action`, when given, runs in
  /// one of the threads after all arrived and before any is released; if it throws, the
  /// barrier breaks and that thread sees the exception. `timeout` is the default for wait().
  explicit Barrier(long parties, std::function<void()> action = nullptr,
                   std::optional<double> timeout = std::nullopt);
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  /// Waits for the others; returns this thread's arrival index (0 .. parties-1). Throws
  /// BrokenBarrierError when the barrier is or becomes broken (abort, reset while waiting,
  /// a timeout, an action that threw); a timeout also breaks it.
  long wait(std::optional<double> timeout = std::nullopt);
  /// Returns the barrier to its empty state; threads waiting get BrokenBarrierError.
  void reset();
  /// Breaks the barrier: current and future waiters get BrokenBarrierError until reset().
  void abort();
  [[nodiscard]] long parties() const noexcept { return parties_; }
  [[nodiscard]] long n_waiting() const;
  [[nodiscard]] bool broken() const;

 private:
  enum class State { filling, draining, resetting, broken };
  void break_locked() PYTHREADING_REQUIRES(mutex_);
  void exit_locked() PYTHREADING_REQUIRES(mutex_);

  const long parties_;
  const std::function<void()> action_;
  const std::optional<double> timeout_;
  mutable detail::AnnotatedMutex mutex_;
  std::condition_variable changed_;
  State state_ PYTHREADING_GUARDED_BY(mutex_) = State::filling;
  long count_ PYTHREADING_GUARDED_BY(mutex_) = 0;
};

}  // namespace pythreading
