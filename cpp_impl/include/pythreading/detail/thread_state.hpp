// pythreading/detail/thread_state.hpp: the shared state behind a pythreading::Thread handle.
// Internal: included by thread.hpp; nothing here is part of the public API.
#pragma once

#include <atomic>
#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "pythreading/output.hpp"
#include "pythreading/thread_annotations.hpp"

namespace pythreading {
class Thread;
namespace detail {

enum class ThreadKind : std::uint8_t { kNormal, kMain, kDummy };

/// One per thread object (Python's Thread instance). Owned by shared_ptr: the handles, the
/// running OS thread (until it has finished its bookkeeping) and the registry entry of a main
/// or dummy thread. Allocated once (make_shared), together with the target and its arguments.
class ThreadState : public std::enable_shared_from_this<ThreadState> {
 public:
  ThreadState() = default;
  ThreadState(const ThreadState&) = delete;
  ThreadState& operator=(const ThreadState&) = delete;
  virtual ~ThreadState() = default;

  /// Calls the target with its arguments (no-op without a target). Runs in the new thread.
  virtual void invoke() {}
  /// Destroys the target and its arguments (CPython's `del self._target, self._args`), so
  /// references they hold are released when the thread ends. Runs in the new thread.
  virtual void drop_target() noexcept {}

  AnnotatedMutex name_mu;
  std::string name PYTHREADING_GUARDED_BY(name_mu);

  /// The library's output when the thread object was created (CPython's Thread._stderr):
  /// where default_excepthook reports while the output is None. Null when it was None.
  const OutputRef saved_output = current_output();
  ThreadKind kind = ThreadKind::kNormal;
  /// Python class name shown by Thread::repr() ("Thread", "Timer", "_MainThread", ...).
  const char* class_name = "Thread";
  std::atomic<bool> daemon{false};
  std::atomic<bool> started{false};
  /// 1 once the thread has finished (run, excepthook, deregistration); joiners wait on it.
  std::atomic<std::uint32_t> done{0};
  std::atomic<std::uint32_t> joiners{0};
  /// 1 once the new thread has stored ident and native_id (waited on like `done`).
  std::atomic<std::uint32_t> id_published{0};
  std::atomic<std::uint64_t> ident{0};
  std::atomic<std::uint64_t> native_id{0};
  /// The OS thread's own reference, set by start() and dropped by the thread when done.
  std::shared_ptr<ThreadState> running_ref;

  /// Subclass support: the object whose run() the OS thread calls. runner_weak is set by
  /// make_thread; start() turns it into runner_hold (dropped when run() returns), or uses
  /// runner_raw for a subclass object not made by make_thread (caller keeps it alive).
  std::weak_ptr<Thread> runner_weak;
  std::shared_ptr<Thread> runner_hold;
  Thread* runner_raw = nullptr;

  // Intrusive registry links, guarded by the registry's mutex (src/internal/registry.hpp).
  ThreadState* reg_prev = nullptr;
  ThreadState* reg_next = nullptr;
  bool registered = false;
};

/// F can be a thread target called with Args, as std::thread calls it (decayed copies, moved
/// into the call).
template <class F, class... Args>
concept ThreadTarget = std::invocable<std::decay_t<F>, std::decay_t<Args>...>;

/// F can be a Timer function: called with lvalue copies of Args.
template <class F, class... Args>
concept TimerTarget = std::invocable < std::decay_t<F>
&, std::decay_t<Args>&... > ;

/// A ThreadState that also stores a target and its arguments (decayed copies).
template <class F, class... Args>
class TargetState final : public ThreadState {
 public:
  template <class F2, class... A2>
  explicit TargetState(F2&& f, A2&&... args)
      : call_(std::in_place, std::forward<F2>(f), std::forward<A2>(args)...) {}
  void invoke() override {
    if (call_)  // once per thread object, like std::thread: the copies are moved into the call
      std::apply([](auto& fn, auto&... a) { std::invoke(std::move(fn), std::move(a)...); }, *call_);
  }
  void drop_target() noexcept override { call_.reset(); }

 private:
  std::optional<std::tuple<F, Args...>> call_;
};

}  // namespace detail
}  // namespace pythreading
