// pythreading/sync.hpp: CPython 3.13's synchronisation primitives (Lock, RLock, Condition,
// Semaphore, BoundedSemaphore, Event, Barrier) with Python's semantics and error texts.
//
// Timeouts are seconds as double, as in Python. For acquire(blocking, timeout):
//   timeout == -1 waits forever; blocking == false with a timeout other than -1 throws
//   ValueError("can't specify a timeout for a non-blocking call"); a negative timeout other
//   than -1 throws ValueError("timeout value must be a non-negative number"); NaN or a timeout
//   above TIMEOUT_MAX throws OverflowError("timestamp out of range for platform time_t").
// For wait(timeout) functions, a std::nullopt timeout waits forever and a negative one does
// not wait (as in Python); NaN or above TIMEOUT_MAX throws the OverflowError above.
//
// Every member function is thread-safe. Lock and RLock satisfy the C++ Lockable
// requirements, so std::unique_lock and std::scoped_lock work with them (Python's `with`),
// and they are Clang thread-safety capabilities: data declared
// `int n PYTHREADING_GUARDED_BY(lock);` is checked by -Wthread-safety when locked with
// lock() / unlock(), a successful acquire() / try_lock(), or pythreading::Guard (std::
// scoped_lock is not annotated in libstdc++, so the analysis does not see it).
// None of these types depends on pythreading::Thread: RLock owners are OS threads.
//
// Cost: Lock and RLock are one 32-bit futex word (RLock adds an owner and a count); an
// uncontended acquire + release is two atomic instructions and no system call, inline.
// Condition::notify with no waiter reads one atomic counter. Event::set with no waiter and
// Event::wait on a set event make no system call.
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

#include "pythreading/errors.hpp"
#include "pythreading/thread_annotations.hpp"
#include "pythreading/warnings.hpp"

namespace pythreading {

#if defined(__has_builtin)
#if __has_builtin(__builtin_thread_pointer)
#define PYTHREADING_HAVE_THREAD_POINTER 1
#endif
#endif

namespace detail {
/// An identifier of the calling OS thread, unique among running threads: the thread pointer
/// (one instruction), which glibc also returns as pthread_self().
inline std::uintptr_t self_token() noexcept {
#ifdef PYTHREADING_HAVE_THREAD_POINTER
  return reinterpret_cast<std::uintptr_t>(__builtin_thread_pointer());
#else
  return static_cast<std::uintptr_t>(pthread_self());
#endif
}

/// The futex word under Lock and RLock: 0 free, 1 held, 2 held and maybe waited for
/// (Drepper's three-state mutex; the waiting is in src/internal/futex.hpp). The fast paths
/// are inline: one atomic instruction each, no system call.
class FutexMutex {
 public:
  bool try_lock() noexcept {
    std::uint32_t expected = 0;
    return word_.compare_exchange_strong(expected, 1, std::memory_order_acquire,
                                         std::memory_order_relaxed);
  }
  /// Takes the mutex, waiting at most `timeout` seconds (-1: forever; validated by the
  /// caller). Returns whether it did.
  bool lock_for(double timeout) noexcept;
  /// Frees the mutex and wakes one waiter if there may be any. Returns the state it had
  /// (0: it was free, and nothing changed).
  std::uint32_t unlock() noexcept {
    const std::uint32_t previous = word_.exchange(0, std::memory_order_release);
    if (previous == 2) wake_one();
    return previous;
  }
  [[nodiscard]] bool locked() const noexcept { return word_.load(std::memory_order_relaxed) != 0; }

 private:
  void wake_one() noexcept;
  std::atomic<std::uint32_t> word_{0};
};
}  // namespace detail

/// threading.Lock: a non-recursive lock that any thread may release. Final, as CPython
/// 3.13's lock type accepts no subclass (`class MyLock(threading.Lock)` raises TypeError).
class PYTHREADING_CAPABILITY("mutex") Lock final {
 public:
  Lock() = default;
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  /// Acquires the lock, waiting as long as it takes; returns true (Python's acquire()).
  bool acquire() PYTHREADING_ACQUIRE() {
    if (!mutex_.try_lock()) mutex_.lock_for(-1);
    return true;
  }
  /// Acquires the lock. Returns true once acquired; false when non-blocking and held, or
  /// when the timeout passed. Throws ValueError / OverflowError for bad arguments (above).
  bool acquire(bool blocking, double timeout = -1) PYTHREADING_TRY_ACQUIRE(true) {
    if (blocking && timeout == -1 && mutex_.try_lock()) return true;
    return acquire_slow(blocking, timeout);
  }
  /// Releases the lock (any thread may). Throws RuntimeError("release unlocked lock") when it
  /// is not held.
  void release() PYTHREADING_RELEASE() {
    if (mutex_.unlock() == 0) throw_unlocked();
  }
  /// True when some thread holds the lock.
  [[nodiscard]] bool locked() const noexcept { return mutex_.locked(); }

  /// Blocking acquire (C++ Lockable).
  void lock() PYTHREADING_ACQUIRE() { acquire(); }
  void unlock() PYTHREADING_RELEASE() { release(); }
  bool try_lock() PYTHREADING_TRY_ACQUIRE(true) { return acquire(false); }

 private:
  bool acquire_slow(bool blocking, double timeout) PYTHREADING_NO_THREAD_SAFETY_ANALYSIS;
  [[noreturn]] static void throw_unlocked();

  detail::FutexMutex mutex_;
};

/// The arguments a caller passed to Python's threading.RLock(*args, **kwargs): how many
/// positional and keyword ones. CPython 3.13 ignores their values, so only the counts matter.
struct RLockArguments {
  std::size_t positional = 0;
  std::size_t keyword = 0;
};

/// threading.RLock: a recursive lock; only its owner may release it.
class PYTHREADING_CAPABILITY("mutex") RLock {
 public:
  /// CPython 3.13's warning for RLock(...) with arguments.
  static constexpr const char* kArgumentsDeprecated =
      "Passing arguments to RLock is deprecated and will be removed in 3.15";

  /// threading.RLock(): a free lock.
  RLock() = default;
  /// threading.RLock(*args, **kwargs), the deprecated form: a free lock, as RLock(); the
  /// arguments are ignored. When `passed` counts at least one argument, the call first warns
  /// kArgumentsDeprecated as a DeprecationWarning from `where` (warnings.hpp: once per
  /// location by default; under Action::kError it throws pythreading::Exception(
  /// "DeprecationWarning", ...) and no lock is made). With no argument it does not warn, as
  /// RLock(*(), **{}) does not. For interpreters of Python programs; C++ code uses RLock().
  [[deprecated(
      "Passing arguments to RLock is deprecated and will be removed in 3.15: use "
      "RLock()")]] explicit RLock(RLockArguments passed, warnings::CallSite where = {}) {
    if (passed.positional != 0 || passed.keyword != 0) {
      warnings::warn_deprecated(kArgumentsDeprecated, where);
    }
  }
  RLock(const RLock&) = delete;
  RLock& operator=(const RLock&) = delete;

  /// Acquires the lock, recursively when the caller owns it already, waiting as long as it
  /// takes; returns true.
  bool acquire() PYTHREADING_ACQUIRE() {
    const std::uintptr_t me = detail::self_token();
    if (owner_.load(std::memory_order_relaxed) == me) {
      count_.store(count_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      return true;
    }
    if (!mutex_.try_lock()) mutex_.lock_for(-1);
    owner_.store(me, std::memory_order_relaxed);
    count_.store(1, std::memory_order_relaxed);
    return true;
  }
  /// Acquires the lock, recursively when the caller owns it already. Same arguments, result
  /// and errors as Lock::acquire(blocking, timeout).
  bool acquire(bool blocking, double timeout = -1) PYTHREADING_TRY_ACQUIRE(true) {
    if (blocking && timeout == -1) return acquire();
    return acquire_slow(blocking, timeout);
  }
  /// Releases one level. Throws RuntimeError("cannot release un-acquired lock") when the
  /// caller does not own it.
  void release() PYTHREADING_RELEASE() {
    if (owner_.load(std::memory_order_relaxed) != detail::self_token()) throw_unowned();
    const std::size_t left = count_.load(std::memory_order_relaxed) - 1;
    count_.store(left, std::memory_order_relaxed);
    if (left == 0) {
      owner_.store(0, std::memory_order_relaxed);
      mutex_.unlock();
    }
  }
  /// True when the calling thread owns the lock.
  [[nodiscard]] bool is_owned() const noexcept {
    return owner_.load(std::memory_order_relaxed) == detail::self_token();
  }
  /// True when any thread owns the lock.
  [[nodiscard]] bool locked() const noexcept { return mutex_.locked(); }
  /// CPython's RLock owner: the get_ident() of the owning thread, 0 when free. Safe from any
  /// thread; for another thread than the owner it is a snapshot that may already be stale.
  [[nodiscard]] std::uint64_t owner() const noexcept {
    return static_cast<std::uint64_t>(owner_.load(std::memory_order_relaxed));
  }
  /// CPython's RLock count: the owner's recursion level, 0 when free. Safe from any thread;
  /// for another thread than the owner it is a snapshot that may already be stale.
  [[nodiscard]] std::size_t count() const noexcept {
    return count_.load(std::memory_order_relaxed);
  }

  void lock() PYTHREADING_ACQUIRE() { acquire(); }
  void unlock() PYTHREADING_RELEASE() { release(); }
  bool try_lock() PYTHREADING_TRY_ACQUIRE(true) { return acquire(false); }

  /// Condition support (CPython's _release_save / _acquire_restore): releases every level
  /// and returns the count; acquire_restore waits for the lock and restores the count.
  /// release_all throws RuntimeError("cannot release un-acquired lock") when the caller
  /// does not own the lock.
  std::size_t release_all() PYTHREADING_RELEASE();
  void acquire_restore(std::size_t count) PYTHREADING_ACQUIRE();

 private:
  bool acquire_slow(bool blocking, double timeout) PYTHREADING_NO_THREAD_SAFETY_ANALYSIS;
  [[noreturn]] static void throw_unowned();

  detail::FutexMutex mutex_;
  /// self_token() of the owner, 0 when free. Written only by the owner (or by the thread
  /// taking the free lock), so a thread reading its own token back owns the lock.
  std::atomic<std::uintptr_t> owner_{0};
  /// Written only by the owner; atomic (relaxed) so that owner() / count() may read it.
  std::atomic<std::size_t> count_{0};
};

/// Scoped hold of a Lock, RLock or Condition (Python's `with lock:`), visible to Clang's
/// thread-safety analysis. Blocks until acquired.
template <class L>
class PYTHREADING_SCOPED_CAPABILITY Guard {
 public:
  explicit Guard(L& lock) PYTHREADING_ACQUIRE(lock) : lock_(lock) { lock_.lock(); }
  ~Guard() PYTHREADING_RELEASE() { lock_.unlock(); }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

 private:
  L& lock_;
};

/// threading.Condition over a Lock or an RLock (its own RLock by default, as in Python).
/// The lock is referenced, not owned, when given: it must outlive the Condition. A
/// capability of its own for the analysis (guard data by the Condition you lock).
class PYTHREADING_CAPABILITY("mutex") Condition {
 public:
  Condition() : recursive_(&own_) {}
  explicit Condition(Lock& lock) : plain_(&lock) {}
  explicit Condition(RLock& lock) : recursive_(&lock) {}
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  /// The underlying lock's acquire / release (Python's `with cond:`).
  bool acquire() PYTHREADING_ACQUIRE() PYTHREADING_NO_THREAD_SAFETY_ANALYSIS {
    return plain_ != nullptr ? plain_->acquire() : recursive_->acquire();
  }
  bool acquire(bool blocking, double timeout = -1)
      PYTHREADING_TRY_ACQUIRE(true) PYTHREADING_NO_THREAD_SAFETY_ANALYSIS {
    return plain_ != nullptr ? plain_->acquire(blocking, timeout)
                             : recursive_->acquire(blocking, timeout);
  }
  void release() PYTHREADING_RELEASE() PYTHREADING_NO_THREAD_SAFETY_ANALYSIS {
    if (plain_ != nullptr) {
      plain_->release();
    } else {
      recursive_->release();
    }
  }
  void lock() PYTHREADING_ACQUIRE() { acquire(); }
  void unlock() PYTHREADING_RELEASE() { release(); }

  /// Releases the lock (every level of an RLock), waits for a notify or the timeout, then
  /// re-acquires it (with the RLock's level). Returns true when notified, false on timeout
  /// (a notify that races with the timeout may count as either, as in CPython). Throws
  /// RuntimeError("cannot wait on un-acquired lock") when the caller does not hold the lock
  /// (for a plain Lock: when nobody holds it, CPython's rule).
  bool wait(std::optional<double> timeout = std::nullopt) PYTHREADING_NO_THREAD_SAFETY_ANALYSIS;
  /// Waits until predicate() is true or the timeout passed; returns the last predicate value.
  bool wait_for(const std::function<bool()>& predicate,
                std::optional<double> timeout = std::nullopt);
  /// Wakes up to n waiters, longest waiting first. Throws RuntimeError("cannot notify on
  /// un-acquired lock") when the caller does not hold the lock (same rule as wait).
  void notify(std::size_t n = 1) {
    if (!is_owned()) throw_not_owned();
    if (n_waiters_.load(std::memory_order_relaxed) != 0) notify_slow(n);
  }
  void notify_all() { notify(static_cast<std::size_t>(-1)); }
  /// The number of threads waiting in wait() (CPython's len(cond._waiters)). Safe from any
  /// thread; exact while the caller holds the lock.
  [[nodiscard]] std::size_t n_waiters() const noexcept {
    return n_waiters_.load(std::memory_order_relaxed);
  }
  /// The legacy name: notify_all() after a DeprecationWarning (warnings.hpp).
  [[deprecated("notifyAll() is deprecated, use notify_all() instead")]] void notifyAll(
      warnings::CallSite where = {}) {
    warnings::warn_deprecated("notifyAll() is deprecated, use notify_all() instead", where);
    notify_all();
  }

 private:
  struct Waiter;
  [[nodiscard]] bool is_owned() const noexcept {
    return plain_ != nullptr ? plain_->locked() : recursive_->is_owned();
  }
  [[noreturn]] static void throw_not_owned();
  void notify_slow(std::size_t n);
  void unlink(Waiter* w) PYTHREADING_REQUIRES(list_lock_);

  RLock own_;
  Lock* plain_ = nullptr;
  RLock* recursive_ = nullptr;
  /// Waiters in arrival order. A waiter adds itself while holding the condition's lock, so
  /// notify (which holds it too) reads an exact count; list_lock_ guards the list itself.
  std::atomic<std::size_t> n_waiters_{0};
  Lock list_lock_;
  Waiter* head_ PYTHREADING_GUARDED_BY(list_lock_) = nullptr;
  Waiter* tail_ PYTHREADING_GUARDED_BY(list_lock_) = nullptr;
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
  mutable Lock lock_;
  Condition cond_{lock_};
  long value_ PYTHREADING_GUARDED_BY(lock_);
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

  [[nodiscard]] bool is_set() const noexcept {
    return (word_.load(std::memory_order_acquire) & kFlag) != 0;
  }
  /// The legacy name: is_set() after a DeprecationWarning (warnings.hpp).
  [[deprecated("isSet() is deprecated, use is_set() instead")]] bool isSet(
      warnings::CallSite where = {}) const {
    warnings::warn_deprecated("isSet() is deprecated, use is_set() instead", where);
    return is_set();
  }
  /// Sets the flag and wakes every waiter.
  void set() noexcept;
  void clear() noexcept;
  /// Returns true at once when the flag is set; otherwise waits until set() is called (true,
  /// even if clear() has run again by the time the waiter wakes: it was notified, CPython's
  /// rule) or the timeout passes (false).
  bool wait(std::optional<double> timeout = std::nullopt);

 private:
  /// Bit 0: the flag; bits 1..31: how many times set() has set it (wrapping), so a waiter
  /// sees a set() even when clear() follows at once.
  static constexpr std::uint32_t kFlag = 1;
  std::atomic<std::uint32_t> word_{0};
  std::atomic<std::uint32_t> waiters_{0};
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
  /// The number of threads waiting in the filling cycle (0 while draining, resetting or
  /// broken). Takes no lock, as in CPython, so the action may read it; a snapshot.
  [[nodiscard]] long n_waiting() const noexcept;
  /// True when the barrier is broken. Takes no lock, as in CPython; a snapshot.
  [[nodiscard]] bool broken() const noexcept;

 private:
  enum class State { filling, draining, resetting, broken };
  void break_locked() PYTHREADING_REQUIRES(lock_);
  void exit_locked() PYTHREADING_REQUIRES(lock_);

  const long parties_;
  const std::function<void()> action_;
  const std::optional<double> timeout_;
  mutable Lock lock_;
  Condition cond_{lock_};
  /// Written only under lock_; atomic so that n_waiting() and broken() read them lock-free.
  std::atomic<State> state_ PYTHREADING_GUARDED_BY(lock_){State::filling};
  std::atomic<long> count_ PYTHREADING_GUARDED_BY(lock_){0};
};

}  // namespace pythreading
