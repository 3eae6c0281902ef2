// The futex layer; contracts in futex.hpp.
#include "internal/futex.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>

namespace pythreading::internal {

void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                const Deadline& deadline) noexcept {
  timespec buffer{};
  // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time (FUTEX_WAIT a relative one).
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_BITSET_PRIVATE, expected,
          deadline.as_timespec(buffer), nullptr, FUTEX_BITSET_MATCH_ANY);
}

void futex_wake(std::atomic<std::uint32_t>& word, int count) noexcept {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE,
          count <= 0 ? INT_MAX : count, nullptr, nullptr, 0);
}

// set_flag and wait_flag pair their seq_cst operations like Dekker's algorithm: either the
// setter sees the waiter's increment (and wakes it), or the waiter sees the flag (and does
// not sleep).
void set_flag(std::atomic<std::uint32_t>& flag, std::atomic<std::uint32_t>& waiters) noexcept {
  flag.store(1, std::memory_order_seq_cst);
  if (waiters.load(std::memory_order_seq_cst) != 0) futex_wake(flag, 0);
}

bool wait_flag(std::atomic<std::uint32_t>& flag, std::atomic<std::uint32_t>& waiters,
               const Deadline& deadline) noexcept {
  if (flag.load(std::memory_order_acquire) != 0) return true;
  waiters.fetch_add(1, std::memory_order_seq_cst);
  while (flag.load(std::memory_order_seq_cst) == 0 && !deadline.expired())
    futex_wait(flag, 0, deadline);
  waiters.fetch_sub(1, std::memory_order_seq_cst);
  return flag.load(std::memory_order_acquire) != 0;
}

bool mutex_lock_slow(std::atomic<std::uint32_t>& word, const Deadline& deadline) noexcept {
  // Mark the mutex contended before sleeping, so that its holder's unlock wakes someone.
  // Taking it with the contended mark is harmless: the next unlock may issue a wake-up
  // nobody needed.
  while (word.exchange(2u, std::memory_order_acquire) != 0u) {
    if (deadline.expired()) return false;
    futex_wait(word, 2u, deadline);
  }
  return true;
}

}  // namespace pythreading::internal
