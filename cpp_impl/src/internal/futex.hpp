// internal/futex.hpp: the futex layer every blocking operation of pythreading is built on.
//
// Three building blocks on a 32-bit atomic word, process-private futexes:
//   - futex_wait / futex_wake: the system call, with a Deadline.
//   - one-shot flags (set_flag / wait_flag): a word that goes 0 -> 1 once, with a waiter
//     count so that setting it costs no system call when nobody waits (thread start/finish,
//     join, shutdown).
//   - the futex mutex's slow path: Drepper's three-state mutex ("Futexes Are Tricky",
//     mutex3; what glibc's PTHREAD_MUTEX_NORMAL does): 0 free, 1 held, 2 held and maybe
//     waited for. Any thread may unlock (Python's Lock). Not fair, like std::mutex.
// Memory order: a successful lock is an acquire operation, unlock a release operation, and
// set_flag happens before every wait_flag that returns true.
#pragma once

#include <atomic>
#include <cstdint>

#include "internal/deadline.hpp"

namespace pythreading::internal {

/// Blocks while word == expected, until futex_wake, the deadline, a signal or a spurious
/// wake-up. Callers loop on their own condition.
void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                const Deadline& deadline) noexcept;
/// Wakes up to `count` threads blocked in futex_wait on `word` (count <= 0: all of them).
void futex_wake(std::atomic<std::uint32_t>& word, int count) noexcept;

/// Sets a one-shot flag to 1 and wakes its waiters (counted in `waiters` by wait_flag).
void set_flag(std::atomic<std::uint32_t>& flag, std::atomic<std::uint32_t>& waiters) noexcept;
/// Waits until the flag is 1 or the deadline passes; returns whether it is 1.
bool wait_flag(std::atomic<std::uint32_t>& flag, std::atomic<std::uint32_t>& waiters,
               const Deadline& deadline) noexcept;

/// The slow path of the futex mutex (detail::FutexMutex in sync.hpp holds the inline fast
/// paths): marks the word contended and sleeps until it is free, then takes it. Returns
/// false when the deadline passed first.
bool mutex_lock_slow(std::atomic<std::uint32_t>& word, const Deadline& deadline) noexcept;

}  // namespace pythreading::internal
