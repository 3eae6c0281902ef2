// internal/registry.hpp: the threads the library knows (CPython's _active and _dummy
// threads), the calling thread's identity, and what happens at fork().
//
// The registry is an intrusive doubly linked list of ThreadState in registration order
// (main first), under one mutex held only for O(1) insert / remove and for walks
// (enumerate, shutdown); active_count reads an atomic kept under that mutex. It is allocated
// once, when the library loads, and never destroyed, so daemon threads may use it until
// _exit. Loading it also registers the on_exit handler (exit.cpp) and the fork handlers.
#pragma once

#include <pthread.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pythreading/detail/thread_state.hpp"
#include "pythreading/thread.hpp"
#include "pythreading/thread_annotations.hpp"

namespace pythreading {

/// The library's access to Thread's private members.
struct ThreadAccess {
  static Thread make(std::shared_ptr<detail::ThreadState> s) { return Thread(std::move(s)); }
  static detail::ThreadState& state(const Thread& t) { return *t.state_; }
};

namespace internal {

struct Registry {
  detail::AnnotatedMutex mu;
  detail::ThreadState* head PYTHREADING_GUARDED_BY(mu) = nullptr;  // oldest first
  detail::ThreadState* tail PYTHREADING_GUARDED_BY(mu) = nullptr;
  std::atomic<std::size_t> count{0};
  /// The main thread (after fork(): the thread that forked).
  std::shared_ptr<detail::ThreadState> main;
  std::atomic<std::size_t> stack_size{0};

  /// Appends s (registration order); O(1).
  void add(detail::ThreadState* s) PYTHREADING_EXCLUDES(mu);
  /// Removes s if registered; O(1).
  void remove(detail::ThreadState* s) PYTHREADING_EXCLUDES(mu);
};

/// The registry, created (with the main thread's entry) on first use; the library's static
/// initialisation uses it, so the thread that loads the library becomes the main thread.
Registry& registry();

/// The calling thread's state (current_thread()'s), registering a dummy thread on first use.
inline detail::ThreadState& current_state() { return ThreadAccess::state(current_thread()); }

/// "Thread-N" / "Dummy-N": `prefix` and the next value of CPython's shared _counter.
std::string new_name(const char* prefix);

inline std::uint64_t self_ident() noexcept { return static_cast<std::uint64_t>(pthread_self()); }
std::uint64_t self_tid() noexcept;

/// The on_exit handler (exit.cpp): joins the non-daemon threads when main returns.
void exit_handler(int status, void* unused);

}  // namespace internal
}  // namespace pythreading
