// Thread objects: construction, start, the new thread's life, join, attributes; and the
// module functions that concern the calling OS thread (get_ident, stack_size, sleep).
//
// A Thread is a shared_ptr<ThreadState>; the state, the target and its arguments are one
// allocation. start() registers the state, then calls pthread_create for a *detached* thread
// with no global lock held, and returns at once: ident is pthread_create's result and
// is_alive() is true from then on, which is all CPython's start() guarantees. The new thread
// holds its own handle until it has finished its bookkeeping, so handles may be dropped at
// any time; it publishes native_id on its own, and native_id() waits for that only when read
// early. Joining waits on the state's `done` flag (internal/futex.hpp: no system call when
// nobody waits).
#include "pythreading/thread.hpp"

#include <pthread.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <ctime>
#include <string>
#include <thread>
#include <typeinfo>
#include <utility>

#include "internal/deadline.hpp"
#include "internal/futex.hpp"
#include "internal/local_exit.hpp"
#include "internal/registry.hpp"
#include "internal/report.hpp"

namespace pythreading {

using detail::AnnotatedLock;
using detail::ThreadKind;
using detail::ThreadState;
using internal::Deadline;

namespace {

void* bootstrap(void* arg) noexcept {
  auto* st = static_cast<ThreadState*>(arg);
  // The thread's own handle; current_thread() returns references to it while it runs.
  const Thread self = ThreadAccess::make(std::move(st->running_ref));
  st->ident.store(internal::self_ident(), std::memory_order_relaxed);
  st->native_id.store(internal::self_tid(), std::memory_order_relaxed);
  internal::set_flag(st->id_published, st->joiners);
  detail::current_handle = &self;

  Thread* runner = st->runner_hold ? st->runner_hold.get() : st->runner_raw;
  std::exception_ptr err;
  try {
    if (runner != nullptr) {
      runner->run();
    } else {
      st->invoke();
    }
  } catch (...) {
    err = std::current_exception();
  }
  st->drop_target();
  if (err) internal::invoke_excepthook(std::move(err), self);
  st->runner_hold.reset();
  st->runner_raw = nullptr;

  internal::local_thread_exit();
  internal::registry().remove(st);
  detail::current_handle = nullptr;
  internal::set_flag(st->done, st->joiners);
  return nullptr;  // `self` released here: the state may be freed now
}

void check_timeout(double timeout) {
  if (std::isnan(timeout)) throw ValueError("Invalid value NaN (not a number)");
  if (timeout > TIMEOUT_MAX) throw OverflowError("timestamp out of range for platform time_t");
}

void check_joinable(ThreadState& st) {
  if (st.kind == ThreadKind::kDummy) throw RuntimeError("cannot join a dummy thread");
  if (!st.started.load(std::memory_order_acquire))
    throw RuntimeError("cannot join thread before it is started");
  if (&st == &internal::current_state()) throw RuntimeError("cannot join current thread");
}

/// The value of `field` once known; std::nullopt if not started (or if its start failed
/// meanwhile: a failed start also sets id_published, to wake waiters).
std::optional<std::uint64_t> published_id(ThreadState& st, std::atomic<std::uint64_t>& field) {
  for (;;) {
    if (!st.started.load(std::memory_order_acquire)) return std::nullopt;
    if (std::uint64_t v = field.load(std::memory_order_acquire); v != 0) return v;
    if (st.id_published.load(std::memory_order_acquire) != 0) {
      std::this_thread::yield();  // a retried start() is between its two stores: momentary
      continue;
    }
    internal::wait_flag(st.id_published, st.joiners, Deadline::never());
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Thread

Thread::Thread() : state_(std::make_shared<ThreadState>()) { init(ThreadOptions{}); }

Thread::Thread(ThreadOptions opts)
    : state_(opts.target ? std::make_shared<detail::TargetState<std::function<void()>>>(
                               std::move(opts.target))
                         : std::make_shared<ThreadState>()) {
  init(std::move(opts));
}

Thread::Thread(HandleOnly, ThreadOptions opts) : Thread(std::move(opts)) { handle_only_ = true; }

void Thread::init(ThreadOptions opts) {
  if (opts.target) throw ValueError("pass the target either in ThreadOptions or as argument");
  std::string name;
  if (!opts.name.empty()) {
    name = std::move(opts.name);
  } else {
    name = internal::new_name("Thread-");
    if (!opts.target_name.empty()) {
      name += " (";
      name += opts.target_name;
      name += ')';
    }
  }
  {
    AnnotatedLock lock(state_->name_mu);
    state_->name = std::move(name);
  }
  const bool d = opts.daemon.has_value()
                     ? *opts.daemon
                     : internal::current_state().daemon.load(std::memory_order_relaxed);
  state_->daemon.store(d, std::memory_order_relaxed);
}

void Thread::start() {
  ThreadState& st = *state_;
  if (st.kind != ThreadKind::kNormal || st.started.exchange(true, std::memory_order_acq_rel))
    throw RuntimeError("threads can only be started once");
  st.id_published.store(0, std::memory_order_relaxed);  // set by an earlier failed start()
  if (auto obj = st.runner_weak.lock()) {
    st.runner_hold = std::move(obj);
  } else if (!handle_only_ && typeid(*this) != typeid(Thread)) {
    st.runner_raw = this;
  }
  st.running_ref = state_;
  internal::Registry& reg = internal::registry();
  reg.add(&st);

  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  const std::size_t ss = reg.stack_size.load(std::memory_order_relaxed);
  if (ss != 0) pthread_attr_setstacksize(&attr, ss);
  pthread_t tid{};
  const int rc = pthread_create(&tid, &attr, bootstrap, &st);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    reg.remove(&st);
    st.runner_hold.reset();
    st.runner_raw = nullptr;
    st.running_ref.reset();
    st.started.store(false, std::memory_order_release);
    internal::set_flag(st.id_published, st.joiners);  // wake ident()/native_id(): not started
    throw RuntimeError("can't start new thread");
  }
  // The new thread stores the same value; storing it here too makes ident() known as soon
  // as start() returns, without waiting for the new thread to run.
  st.ident.store(static_cast<std::uint64_t>(tid), std::memory_order_release);
}

void Thread::run() {
  struct Drop {
    ThreadState* s;
    ~Drop() { s->drop_target(); }
  } drop{state_.get()};
  state_->invoke();
}

void Thread::join() const {
  ThreadState& st = *state_;
  check_joinable(st);
  internal::wait_flag(st.done, st.joiners, Deadline::never());
}

void Thread::join(double timeout) const {
  ThreadState& st = *state_;
  check_joinable(st);
  check_timeout(timeout);
  if (timeout <= 0) return;
  internal::wait_flag(st.done, st.joiners, Deadline::after(timeout));
}

bool Thread::is_alive() const noexcept {
  return state_->started.load(std::memory_order_acquire) &&
         state_->done.load(std::memory_order_acquire) == 0;
}

std::string Thread::name() const {
  AnnotatedLock lock(state_->name_mu);
  return state_->name;
}

void Thread::set_name(std::string name) const {
  AnnotatedLock lock(state_->name_mu);
  state_->name = std::move(name);
}

std::string Thread::repr() const {
  const ThreadState& st = *state_;
  std::string status = "initial";
  if (st.started.load(std::memory_order_acquire)) status = "started";
  if (st.done.load(std::memory_order_acquire) != 0) status = "stopped";
  if (st.daemon.load(std::memory_order_relaxed)) status += " daemon";
  if (auto id = ident()) {
    status += ' ';
    status += std::to_string(*id);
  }
  std::string out = "<";
  out += st.class_name;
  out += '(';
  out += name();
  out += ", ";
  out += status;
  out += ")>";
  return out;
}

void Thread::set_class_name(const char* name) noexcept { state_->class_name = name; }

bool Thread::daemon() const noexcept { return state_->daemon.load(std::memory_order_relaxed); }

void Thread::set_daemon(bool daemonic) const {
  if (state_->started.load(std::memory_order_acquire))
    throw RuntimeError("cannot set daemon status of active thread");
  state_->daemon.store(daemonic, std::memory_order_relaxed);
}

std::optional<std::uint64_t> Thread::ident() const noexcept {
  return published_id(*state_, state_->ident);
}

std::optional<std::uint64_t> Thread::native_id() const noexcept {
  return published_id(*state_, state_->native_id);
}

// ---------------------------------------------------------------------------------------
// module functions of the calling OS thread

std::uint64_t get_ident() noexcept { return internal::self_ident(); }
std::uint64_t get_native_id() noexcept { return internal::self_tid(); }

std::size_t stack_size() { return internal::registry().stack_size.load(std::memory_order_relaxed); }

std::size_t stack_size(std::size_t size) {
  if (size != 0) {
    bool ok = size >= 32768;
    if (ok) {
      pthread_attr_t attr;
      pthread_attr_init(&attr);
      ok = pthread_attr_setstacksize(&attr, size) == 0;
      pthread_attr_destroy(&attr);
    }
    if (!ok) throw ValueError("size not valid: " + std::to_string(size) + " bytes");
  }
  return internal::registry().stack_size.exchange(size, std::memory_order_relaxed);
}

void sleep(double seconds) {
  if (std::isnan(seconds)) throw ValueError("Invalid value NaN (not a number)");
  if (seconds < 0) throw ValueError("sleep length must be non-negative");
  if (seconds > TIMEOUT_MAX) throw OverflowError("timestamp out of range for platform time_t");
  if (seconds == 0) {
    std::this_thread::yield();
    return;
  }
  const Deadline deadline = Deadline::after(seconds);
  timespec buffer{};
  while (!deadline.expired()) {
    const timespec* at = deadline.as_timespec(buffer);
    if (at == nullptr) {  // beyond the clock's range: sleep a day at a time
      clock_gettime(CLOCK_MONOTONIC, &buffer);
      buffer.tv_sec += 86400;
      at = &buffer;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, at, nullptr);
  }
}

}  // namespace pythreading
