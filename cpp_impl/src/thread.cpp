// pythreading core: thread objects, the registry, names, excepthook, exit, local<T>.
//
// Design (see thread.hpp for the contracts):
// - A Thread is a shared_ptr<ThreadState>; the state, the target and its arguments are one
//   allocation. start() registers the state, then calls pthread_create for a *detached*
//   thread with no global lock held; the new thread holds state->running_ref until it has
//   finished its bookkeeping, so handles may be dropped at any time.
// - Joining waits on state->done with a futex (no mutex/condvar per thread); the finishing
//   thread only issues FUTEX_WAKE when someone is waiting (joiners counter, seq_cst Dekker).
// - The registry is an intrusive doubly linked list under one mutex, held only for O(1)
//   insert/remove and for enumerate(); active_count() reads an atomic kept under that mutex.
// - Library globals are allocated once and never destroyed, so nothing of ours is torn down
//   while daemon threads still run.
#include "pythreading/thread.hpp"

#include <cxxabi.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pythreading/local.hpp"
#include "pythreading/thread_annotations.hpp"

extern "C" void __lsan_do_leak_check(void) __attribute__((weak));

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PYTHREADING_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define PYTHREADING_TSAN 1
#endif
#ifdef PYTHREADING_TSAN
// ThreadSanitizer's _exit() sleeps atexit_sleep_ms (1 s by default) when other threads still
// run, which would let daemon threads run on past the end of the program. Default it to 0
// (weak: a program's own __tsan_default_options wins; TSAN_OPTIONS still overrides).
extern "C" __attribute__((weak)) const char* __tsan_default_options() {
  return "atexit_sleep_ms=0";
}
#endif

namespace pythreading {

using detail::AnnotatedLock;
using detail::AnnotatedMutex;
using detail::ThreadKind;
using detail::ThreadState;

struct ThreadAccess {
  static Thread make(std::shared_ptr<ThreadState> s) { return Thread(std::move(s)); }
  static ThreadState& state(const Thread& t) { return *t.state_; }
};

namespace {

// ---------------------------------------------------------------------------------------
// futex-based one-shot flags

void futex_wait(std::atomic<std::uint32_t>* addr, std::uint32_t expected,
                const timespec* abs_monotonic) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(addr), FUTEX_WAIT_BITSET_PRIVATE, expected,
          abs_monotonic, nullptr, FUTEX_BITSET_MATCH_ANY);
}

void futex_wake_all(std::atomic<std::uint32_t>* addr) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(addr), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr,
          nullptr, 0);
}

/// Sets `flag` to 1 and wakes its waiters (counted in `waiters`).
void set_flag(std::atomic<std::uint32_t>& flag, std::atomic<std::uint32_t>& waiters) {
  flag.store(1, std::memory_order_seq_cst);
  if (waiters.load(std::memory_order_seq_cst) != 0) futex_wake_all(&flag);
}

/// Waits until `flag` is 1 or the absolute CLOCK_MONOTONIC deadline passes (nullptr: no
/// deadline). Returns the flag.
bool wait_flag(std::atomic<std::uint32_t>& flag, std::atomic<std::uint32_t>& waiters,
               const timespec* deadline) {
  if (flag.load(std::memory_order_acquire) != 0) return true;
  waiters.fetch_add(1, std::memory_order_seq_cst);
  while (flag.load(std::memory_order_seq_cst) == 0) {
    if (deadline != nullptr) {
      timespec now{};
      clock_gettime(CLOCK_MONOTONIC, &now);
      if (now.tv_sec > deadline->tv_sec ||
          (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec))
        break;
    }
    futex_wait(&flag, 0, deadline);
  }
  waiters.fetch_sub(1, std::memory_order_seq_cst);
  return flag.load(std::memory_order_acquire) != 0;
}

timespec deadline_after(double seconds) {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  double whole = std::floor(seconds);
  auto sec = static_cast<long long>(whole);
  long nsec = static_cast<long>((seconds - whole) * 1e9) + now.tv_nsec;
  timespec d{};
  d.tv_sec = static_cast<time_t>(now.tv_sec + sec + nsec / 1000000000L);
  d.tv_nsec = nsec % 1000000000L;
  return d;
}

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

std::uint64_t self_ident() noexcept { return static_cast<std::uint64_t>(pthread_self()); }
std::uint64_t self_tid() noexcept { return static_cast<std::uint64_t>(syscall(SYS_gettid)); }

// ---------------------------------------------------------------------------------------
// registry

std::atomic<std::uint64_t> g_name_counter{1};  // CPython's _counter = _count(1).__next__
std::string newname(const char* prefix) {
  return prefix + std::to_string(g_name_counter.fetch_add(1, std::memory_order_relaxed));
}

thread_local ThreadState* tls_current = nullptr;

struct Registry {
  AnnotatedMutex mu;
  ThreadState* head PYTHREADING_GUARDED_BY(mu) = nullptr;  // oldest registration first
  ThreadState* tail PYTHREADING_GUARDED_BY(mu) = nullptr;
  std::atomic<std::size_t> count{0};
  std::shared_ptr<ThreadState> main;
  std::atomic<std::size_t> stack_size{0};

  void add(ThreadState* s) PYTHREADING_EXCLUDES(mu) {
    AnnotatedLock lock(mu);
    s->reg_prev = tail;
    s->reg_next = nullptr;
    if (tail != nullptr)
      tail->reg_next = s;
    else
      head = s;
    tail = s;
    s->registered = true;
    count.fetch_add(1, std::memory_order_relaxed);
  }
  void remove(ThreadState* s) PYTHREADING_EXCLUDES(mu) {
    AnnotatedLock lock(mu);
    if (!s->registered) return;
    if (s->reg_prev != nullptr)
      s->reg_prev->reg_next = s->reg_next;
    else
      head = s->reg_next;
    if (s->reg_next != nullptr)
      s->reg_next->reg_prev = s->reg_prev;
    else
      tail = s->reg_prev;
    s->reg_prev = s->reg_next = nullptr;
    s->registered = false;
    count.fetch_sub(1, std::memory_order_relaxed);
  }
};

void exit_handler(int status, void*);
void atfork_prepare();
void atfork_parent();
void atfork_child();

Registry& registry() {
  static Registry* const r = [] {
    auto* reg = new Registry;  // never destroyed: daemon threads may use it until _exit
    auto m = std::make_shared<ThreadState>();
    m->kind = ThreadKind::kMain;
    m->class_name = "_MainThread";
    {
      AnnotatedLock lock(m->name_mu);
      m->name = "MainThread";
    }
    m->daemon.store(false);
    m->started.store(true);
    m->ident.store(self_ident());
    m->native_id.store(self_tid());
    m->id_published.store(1);
    reg->main = m;
    reg->add(m.get());
    tls_current = m.get();
    on_exit(exit_handler, nullptr);
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
    return reg;
  }();
  return *r;
}

// fork(): only the forking thread survives in the child. As CPython's _after_fork, the child
// forgets every other thread (marked finished, so nothing waits for them at exit) and the
// forking thread becomes the main thread. The registry lock is held across fork() so the
// child never inherits it locked by a thread that no longer exists.
void atfork_prepare() PYTHREADING_NO_THREAD_SAFETY_ANALYSIS { registry().mu.lock(); }
void atfork_parent() PYTHREADING_NO_THREAD_SAFETY_ANALYSIS { registry().mu.unlock(); }
void atfork_child() PYTHREADING_NO_THREAD_SAFETY_ANALYSIS {
  Registry& reg = registry();
  ThreadState* me = tls_current;
  for (ThreadState* s = reg.head; s != nullptr;) {
    ThreadState* next = s->reg_next;
    if (s != me) {
      s->done.store(1, std::memory_order_relaxed);
      s->reg_prev = s->reg_next = nullptr;
      s->registered = false;
    }
    s = next;
  }
  reg.head = reg.tail = nullptr;
  reg.count.store(0, std::memory_order_relaxed);
  if (me != nullptr) {
    me->reg_prev = me->reg_next = nullptr;
    reg.head = reg.tail = me;
    reg.count.store(1, std::memory_order_relaxed);
    if (me->kind != ThreadKind::kMain) {
      me->kind = ThreadKind::kMain;
      me->daemon.store(false, std::memory_order_relaxed);
      reg.main = me->shared_from_this();
    }
  }
  reg.mu.unlock();
}

// Loads the library's state in the loading (normally the main) thread.
[[maybe_unused]] const bool g_registry_loaded = (registry(), true);

// A thread not started by pythreading that called current_thread(): its dummy entry lives
// as long as the OS thread (this thread_local's destructor removes it).
struct DummyHolder {
  std::shared_ptr<ThreadState> state;
  ~DummyHolder() {
    if (!state) return;
    registry().remove(state.get());
    if (tls_current == state.get()) tls_current = nullptr;
    set_flag(state->done, state->joiners);
  }
};

ThreadState* current_state() {
  if (tls_current != nullptr) return tls_current;
  Registry& reg = registry();  // may set tls_current if this thread loads the library
  if (tls_current != nullptr) return tls_current;
  (void)reg;
  static thread_local DummyHolder holder;
  auto s = std::make_shared<ThreadState>();
  s->kind = ThreadKind::kDummy;
  s->class_name = "_DummyThread";
  {
    AnnotatedLock lock(s->name_mu);
    s->name = newname("Dummy-");
  }
  s->daemon.store(true);
  s->started.store(true);
  s->ident.store(self_ident());
  s->native_id.store(self_tid());
  s->id_published.store(1);
  holder.state = s;
  tls_current = s.get();
  registry().add(s.get());
  return s.get();
}

// ---------------------------------------------------------------------------------------
// excepthook

AnnotatedMutex g_hook_mu;
ExceptHook* g_hook PYTHREADING_GUARDED_BY(g_hook_mu) = nullptr;  // leaked, never destroyed

std::string demangle(const char* mangled) {
  int status = 0;
  char* d = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string out = (status == 0 && d != nullptr) ? d : mangled;
  std::free(d);  // NOLINT(cppcoreguidelines-no-malloc)
  return out;
}

const char kNoTraceback[] = "Traceback (most recent call last):\n  (C++: no traceback available)\n";

std::string exception_line(const ExceptHookArgs& a) {
  std::string s = a.exc_type;
  if (!a.exc_value.empty()) s += ": " + a.exc_value;
  return s + "\n";
}

void write_stderr(const std::string& text) {
  flockfile(stderr);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
  funlockfile(stderr);
}

void invoke_excepthook(std::exception_ptr err, ThreadState* st) noexcept {
  try {
    ExceptHook hook = get_excepthook();
    try {
      hook(make_excepthook_args(err, ThreadAccess::make(st->shared_from_this())));
    } catch (...) {
      // CPython: print "Exception in threading.excepthook:" then sys.excepthook(the error).
      ExceptHookArgs e2 = make_excepthook_args(std::current_exception(), std::nullopt);
      write_stderr(std::string("Exception in threading.excepthook:\n") + kNoTraceback +
                   exception_line(e2));
    }
  } catch (...) {  // out of memory while reporting: give up silently, never terminate
  }
}

// ---------------------------------------------------------------------------------------
// local<T> storage

struct LocalSlots;
thread_local LocalSlots* tls_slots = nullptr;
std::atomic<std::uint64_t> g_local_ids{1};

}  // namespace

namespace detail {
struct LocalKey {
  AnnotatedMutex mu;
  bool alive PYTHREADING_GUARDED_BY(mu) = true;
  std::unordered_map<const void*, std::unique_ptr<LocalValue>> values PYTHREADING_GUARDED_BY(mu);
};
}  // namespace detail

namespace {

struct LocalSlots {
  struct Entry {
    std::shared_ptr<detail::LocalKey> key;
    detail::LocalValue* value;
  };
  std::unordered_map<std::uint64_t, Entry> map;
  std::size_t sweep_at = 64;

  /// Destroys this thread's values (value destructors may create new ones: a few rounds).
  void clear() noexcept {
    for (int round = 0; round < 4 && !map.empty(); ++round) {
      auto entries = std::move(map);
      map.clear();
      for (auto& [id, e] : entries) {
        if (!e.key) continue;
        std::unique_ptr<detail::LocalValue> v;
        {
          AnnotatedLock lock(e.key->mu);
          auto it = e.key->values.find(this);
          if (it != e.key->values.end()) {
            v = std::move(it->second);
            e.key->values.erase(it);
          }
        }
        v.reset();
      }
    }
  }
  /// Forgets entries of destroyed locals (their values are gone already).
  void sweep() {
    for (auto it = map.begin(); it != map.end();) {
      bool alive = false;
      if (it->second.key) {
        AnnotatedLock lock(it->second.key->mu);
        alive = it->second.key->alive;
      }
      it = alive ? std::next(it) : map.erase(it);
    }
    sweep_at = std::max<std::size_t>(64, map.size() * 2);
  }
  ~LocalSlots() {
    clear();
    tls_slots = nullptr;
  }
};

LocalSlots& slots() {
  if (tls_slots == nullptr) {
    static thread_local LocalSlots holder;
    tls_slots = &holder;
  }
  return *tls_slots;
}

// ---------------------------------------------------------------------------------------
// the new thread

void* bootstrap(void* arg) noexcept {
  auto* st = static_cast<ThreadState*>(arg);
  st->ident.store(self_ident(), std::memory_order_relaxed);
  st->native_id.store(self_tid(), std::memory_order_relaxed);
  set_flag(st->id_published, st->joiners);
  tls_current = st;

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
  if (err) invoke_excepthook(std::move(err), st);
  st->runner_hold.reset();
  st->runner_raw = nullptr;

  if (tls_slots != nullptr) tls_slots->clear();
  registry().remove(st);
  tls_current = nullptr;
  std::shared_ptr<ThreadState> self = std::move(st->running_ref);
  set_flag(st->done, st->joiners);
  return nullptr;  // `self` released here: the state may be freed now
}

void flush_all() noexcept {
  try {
    std::cout.flush();
    std::cerr.flush();
    std::clog.flush();
  } catch (...) {
  }
  std::fflush(nullptr);
}

[[noreturn]] void finish_process(int status) {
  flush_all();
  if (__lsan_do_leak_check != nullptr) __lsan_do_leak_check();
  _exit(status);
}

void exit_handler(int status, void*) {
  if (tls_current != nullptr && tls_current->kind == ThreadKind::kMain) shutdown();
  finish_process(status);
}

void check_timeout(double timeout) {
  if (std::isnan(timeout)) throw ValueError("Invalid value NaN (not a number)");
  if (timeout > TIMEOUT_MAX) throw OverflowError("timestamp out of range for platform time_t");
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
    name = newname("Thread-");
    if (!opts.target_name.empty()) name += " (" + opts.target_name + ")";
  }
  {
    AnnotatedLock lock(state_->name_mu);
    state_->name = std::move(name);
  }
  bool d = opts.daemon.has_value() ? *opts.daemon
                                   : current_state()->daemon.load(std::memory_order_relaxed);
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
  Registry& reg = registry();
  reg.add(&st);

  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  std::size_t ss = reg.stack_size.load(std::memory_order_relaxed);
  if (ss != 0) pthread_attr_setstacksize(&attr, ss);
  pthread_t tid{};
  int rc = pthread_create(&tid, &attr, bootstrap, &st);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    reg.remove(&st);
    st.runner_hold.reset();
    st.runner_raw = nullptr;
    st.running_ref.reset();
    st.started.store(false, std::memory_order_release);
    set_flag(st.id_published, st.joiners);  // wake ident()/native_id() waiters: not started
    throw RuntimeError("can't start new thread");
  }
  st.ident.store(static_cast<std::uint64_t>(tid), std::memory_order_relaxed);
  // Like CPython's start(), return once the new thread runs (it publishes its ids first).
  // Spin only briefly before sleeping: a long spin (it was 4000 iterations) burns ~20 us of
  // CPU per start and, when the new thread is scheduled on this CPU (a loaded or pinned
  // machine), delays the very thread it waits for (BM_SpawnJoin: 52 us against pthread's
  // 10 us pinned to one CPU; parity without the spin).
  for (int i = 0; i < 64 && st.id_published.load(std::memory_order_acquire) == 0; ++i)
    cpu_relax();
  wait_flag(st.id_published, st.joiners, nullptr);
}

void Thread::run() {
  struct Drop {
    ThreadState* s;
    ~Drop() { s->drop_target(); }
  } drop{state_.get()};
  state_->invoke();
}

namespace {
void check_joinable(ThreadState& st) {
  if (st.kind == ThreadKind::kDummy) throw RuntimeError("cannot join a dummy thread");
  if (!st.started.load(std::memory_order_acquire))
    throw RuntimeError("cannot join thread before it is started");
  if (&st == current_state()) throw RuntimeError("cannot join current thread");
}
}  // namespace

void Thread::join() {
  ThreadState& st = *state_;
  check_joinable(st);
  wait_flag(st.done, st.joiners, nullptr);
}

void Thread::join(double timeout) {
  ThreadState& st = *state_;
  check_joinable(st);
  check_timeout(timeout);
  if (timeout <= 0) return;
  timespec d = deadline_after(timeout);
  wait_flag(st.done, st.joiners, &d);
}

bool Thread::is_alive() const noexcept {
  return state_->started.load(std::memory_order_acquire) &&
         state_->done.load(std::memory_order_acquire) == 0;
}

std::string Thread::name() const {
  AnnotatedLock lock(state_->name_mu);
  return state_->name;
}

void Thread::set_name(std::string name) {
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
  return std::string("<") + st.class_name + "(" + name() + ", " + status + ")>";
}

void Thread::set_class_name(const char* name) noexcept { state_->class_name = name; }

bool Thread::daemon() const noexcept { return state_->daemon.load(std::memory_order_relaxed); }

void Thread::set_daemon(bool daemonic) {
  if (state_->started.load(std::memory_order_acquire))
    throw RuntimeError("cannot set daemon status of active thread");
  state_->daemon.store(daemonic, std::memory_order_relaxed);
}

namespace {
/// The value of `field` once the thread has published it; std::nullopt if not started (or
/// if its start failed meanwhile: a failed start also sets id_published to wake waiters).
std::optional<std::uint64_t> published_id(ThreadState& st, std::atomic<std::uint64_t>& field) {
  for (;;) {
    if (!st.started.load(std::memory_order_acquire)) return std::nullopt;
    if (std::uint64_t v = field.load(std::memory_order_acquire); v != 0) return v;
    if (st.id_published.load(std::memory_order_acquire) != 0) {
      cpu_relax();  // a retried start() is between its two stores: momentary
      continue;
    }
    wait_flag(st.id_published, st.joiners, nullptr);
  }
}
}  // namespace

std::optional<std::uint64_t> Thread::ident() const noexcept {
  return published_id(*state_, state_->ident);
}

std::optional<std::uint64_t> Thread::native_id() const noexcept {
  return published_id(*state_, state_->native_id);
}

// ---------------------------------------------------------------------------------------
// module functions

Thread current_thread() { return Thread(current_state()->shared_from_this()); }

Thread main_thread() { return Thread(registry().main); }

std::vector<Thread> enumerate() {
  Registry& reg = registry();
  std::vector<Thread> out;
  AnnotatedLock lock(reg.mu);
  out.reserve(reg.count.load(std::memory_order_relaxed));
  for (ThreadState* s = reg.head; s != nullptr; s = s->reg_next)
    out.push_back(Thread(s->shared_from_this()));
  return out;
}

std::size_t active_count() noexcept { return registry().count.load(std::memory_order_relaxed); }

std::uint64_t get_ident() noexcept { return self_ident(); }
std::uint64_t get_native_id() noexcept { return self_tid(); }

std::size_t stack_size() { return registry().stack_size.load(std::memory_order_relaxed); }

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
  return registry().stack_size.exchange(size, std::memory_order_relaxed);
}

void sleep(double seconds) {
  if (std::isnan(seconds)) throw ValueError("Invalid value NaN (not a number)");
  if (seconds < 0) throw ValueError("sleep length must be non-negative");
  if (seconds == 0) {
    std::this_thread::yield();
    return;
  }
  timespec d = deadline_after(std::min(seconds, TIMEOUT_MAX));
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &d, nullptr) == EINTR) {
  }
}

// ---------------------------------------------------------------------------------------
// excepthook

ExceptHookArgs make_excepthook_args(std::exception_ptr e, std::optional<Thread> thread) {
  ExceptHookArgs a;
  a.exception = e;
  a.thread = std::move(thread);
  try {
    if (e) std::rethrow_exception(e);
    a.exc_type = "UnknownException";
  } catch (const PythonError& ex) {
    a.exc_type = ex.type_name();
    a.exc_value = ex.what();
  } catch (const std::exception& ex) {
    a.exc_type = demangle(typeid(ex).name());
    a.exc_value = ex.what();
  } catch (...) {
    a.exc_type = "UnknownException";
  }
  return a;
}

std::string format_exception(const ExceptHookArgs& args) {
  if (args.exc_type == "SystemExit") return {};
  std::string name = args.thread ? args.thread->name() : std::to_string(get_ident());
  return "Exception in thread " + name + ":\n" + kNoTraceback + exception_line(args);
}

void default_excepthook(const ExceptHookArgs& args) {
  std::string text = format_exception(args);
  if (!text.empty()) write_stderr(text);
}

void set_excepthook(ExceptHook hook) {
  auto* fresh = hook ? new ExceptHook(std::move(hook)) : nullptr;
  ExceptHook* old = nullptr;
  {
    AnnotatedLock lock(g_hook_mu);
    old = g_hook;
    g_hook = fresh;
  }
  delete old;
}

ExceptHook get_excepthook() {
  AnnotatedLock lock(g_hook_mu);
  if (g_hook != nullptr) return *g_hook;
  return default_excepthook;
}

// ---------------------------------------------------------------------------------------
// shutdown / exit

void shutdown() {
  Registry& reg = registry();
  ThreadState* me = current_state();
  if (me->kind == ThreadKind::kMain) set_flag(me->done, me->joiners);
  for (;;) {
    std::vector<std::shared_ptr<ThreadState>> pending;
    {
      AnnotatedLock lock(reg.mu);
      for (ThreadState* s = reg.head; s != nullptr; s = s->reg_next) {
        if (s->kind == ThreadKind::kNormal && s != me &&
            !s->daemon.load(std::memory_order_relaxed) &&
            s->done.load(std::memory_order_acquire) == 0)
          pending.push_back(s->shared_from_this());
      }
    }
    if (pending.empty()) return;
    for (auto& s : pending) wait_flag(s->done, s->joiners, nullptr);
  }
}

void exit(int status) {
  shutdown();
  finish_process(status);
}

int run_main(int (*main_fn)(int, char**), int argc, char** argv) {
  int status = 1;
  try {
    status = main_fn(argc, argv);
  } catch (...) {
    ExceptHookArgs a = make_excepthook_args(std::current_exception(), std::nullopt);
    if (a.exc_type == "SystemExit") {
      const std::string& m = a.exc_value;
      char* end = nullptr;
      long code = m.empty() ? 0 : std::strtol(m.c_str(), &end, 10);
      if (m.empty() || (end != nullptr && *end == '\0')) {
        status = static_cast<int>(code);
      } else {
        write_stderr(m + "\n");
        status = 1;
      }
    } else {
      write_stderr(std::string(kNoTraceback) + exception_line(a));
      status = 1;
    }
  }
  exit(status);
}

// ---------------------------------------------------------------------------------------
// local<T>

namespace detail {

LocalCore::LocalCore()
    : id_(g_local_ids.fetch_add(1, std::memory_order_relaxed)),
      key_(std::make_shared<LocalKey>()) {}

LocalCore::~LocalCore() {
  std::unordered_map<const void*, std::unique_ptr<LocalValue>> doomed;
  {
    AnnotatedLock lock(key_->mu);
    key_->alive = false;
    doomed = std::move(key_->values);
    key_->values.clear();
  }
  if (tls_slots != nullptr) tls_slots->map.erase(id_);
  doomed.clear();
}

LocalValue* LocalCore::find() const noexcept {
  if (tls_slots == nullptr) return nullptr;
  auto it = tls_slots->map.find(id_);
  return it == tls_slots->map.end() ? nullptr : it->second.value;
}

LocalValue* LocalCore::insert(std::unique_ptr<LocalValue> v) {
  LocalSlots& s = slots();
  if (s.map.size() >= s.sweep_at) s.sweep();
  LocalValue* raw = v.get();
  auto& entry = s.map[id_];  // may throw bad_alloc before anything is shared
  {
    AnnotatedLock lock(key_->mu);
    key_->values[&s] = std::move(v);
  }
  entry = LocalSlots::Entry{key_, raw};
  return raw;
}

void LocalCore::erase() noexcept {
  if (tls_slots == nullptr) return;
  if (tls_slots->map.erase(id_) == 0) return;
  std::unique_ptr<LocalValue> v;
  {
    AnnotatedLock lock(key_->mu);
    auto it = key_->values.find(tls_slots);
    if (it != key_->values.end()) {
      v = std::move(it->second);
      key_->values.erase(it);
    }
  }
}

}  // namespace detail
}  // namespace pythreading
