// The registry of threads, the main and dummy threads, current_thread(), enumerate(),
// active_count() and fork handling; see internal/registry.hpp.
#include "internal/registry.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "internal/futex.hpp"
#include "internal/output_lock.hpp"

namespace pythreading {

using detail::AnnotatedLock;
using detail::ThreadKind;
using detail::ThreadState;

namespace internal {
namespace {

std::atomic<std::uint64_t> g_name_counter{1};  // CPython's _counter = _count(1).__next__

void atfork_prepare();
void atfork_parent();
void atfork_child();

std::shared_ptr<ThreadState> make_registered_state(ThreadKind kind, const char* class_name,
                                                   std::string name, bool daemon) {
  auto s = std::make_shared<ThreadState>();
  s->kind = kind;
  s->class_name = class_name;
  {
    AnnotatedLock lock(s->name_mu);
    s->name = std::move(name);
  }
  s->daemon.store(daemon, std::memory_order_relaxed);
  s->started.store(true, std::memory_order_relaxed);
  s->ident.store(self_ident(), std::memory_order_relaxed);
  s->native_id.store(self_tid(), std::memory_order_relaxed);
  s->id_published.store(1, std::memory_order_release);
  return s;
}

// fork(): only the forking thread survives in the child. As CPython 3.13's _after_fork, the
// child forgets every other thread (marked finished, so nothing waits for them at exit) and
// the forking thread becomes the main thread: a thread pythreading started keeps its Thread;
// a dummy or never-seen thread gets a new _MainThread named "MainThread" (its dummy entry, if
// any, is marked finished like the others). The registry lock, then the output's lock, are
// held across fork() so the child never inherits either locked by a thread that no longer
// exists; the child releases the output's first, as a new ThreadState reads the output.
void atfork_prepare() PYTHREADING_NO_THREAD_SAFETY_ANALYSIS {
  registry().mu.lock();
  lock_output_for_fork();
}
void atfork_parent() PYTHREADING_NO_THREAD_SAFETY_ANALYSIS {
  unlock_output_after_fork();
  registry().mu.unlock();
}
void atfork_child() PYTHREADING_NO_THREAD_SAFETY_ANALYSIS {
  unlock_output_after_fork();
  Registry& reg = registry();
  ThreadState* me =
      detail::current_handle != nullptr ? &ThreadAccess::state(*detail::current_handle) : nullptr;
  if (me != nullptr && me->kind == ThreadKind::kDummy) me = nullptr;  // replaced below
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
  if (me == nullptr) {  // the child's single thread was not started by pythreading
    std::shared_ptr<ThreadState> fresh =
        make_registered_state(ThreadKind::kMain, "_MainThread", "MainThread", false);
    me = fresh.get();
    reg.main = std::move(fresh);
    // This thread's handle from now on; never destroyed, like the loading thread's.
    detail::current_handle = new Thread(ThreadAccess::make(reg.main));
  }
  me->reg_prev = me->reg_next = nullptr;
  me->registered = true;
  reg.head = reg.tail = me;
  reg.count.store(1, std::memory_order_relaxed);
  if (me->kind != ThreadKind::kMain) {
    me->kind = ThreadKind::kMain;
    me->daemon.store(false, std::memory_order_relaxed);
    reg.main = me->shared_from_this();
  }
  reg.mu.unlock();
}

// A thread not started by pythreading that called current_thread(): its dummy entry lives
// as long as the OS thread (this thread_local's destructor removes it).
struct DummyHolder {
  std::optional<Thread> handle;
  ~DummyHolder() {
    if (!handle) return;
    ThreadState& st = ThreadAccess::state(*handle);
    registry().remove(&st);
    if (detail::current_handle == &*handle) detail::current_handle = nullptr;
    set_flag(st.done, st.joiners);
  }
};

}  // namespace

void Registry::add(ThreadState* s) {
  AnnotatedLock lock(mu);
  s->reg_prev = tail;
  s->reg_next = nullptr;
  (tail != nullptr ? tail->reg_next : head) = s;
  tail = s;
  s->registered = true;
  count.fetch_add(1, std::memory_order_relaxed);
}

void Registry::remove(ThreadState* s) {
  AnnotatedLock lock(mu);
  if (!s->registered) return;
  (s->reg_prev != nullptr ? s->reg_prev->reg_next : head) = s->reg_next;
  (s->reg_next != nullptr ? s->reg_next->reg_prev : tail) = s->reg_prev;
  s->reg_prev = s->reg_next = nullptr;
  s->registered = false;
  count.fetch_sub(1, std::memory_order_relaxed);
}

Registry& registry() {
  static Registry* const r = [] {
    auto* reg = new Registry;  // never destroyed: daemon threads may use it until _exit
    reg->main = make_registered_state(ThreadKind::kMain, "_MainThread", "MainThread", false);
    reg->add(reg->main.get());
    // The loading thread's handle; never destroyed either.
    detail::current_handle = new Thread(ThreadAccess::make(reg->main));
    on_exit(exit_handler, nullptr);
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
    return reg;
  }();
  return *r;
}

namespace {
// Loads the library's state in the loading (normally the main) thread.
[[maybe_unused]] const bool g_registry_loaded = (registry(), true);
}  // namespace

}  // namespace internal

const Thread& detail::register_current_thread() {
  internal::registry();  // sets current_handle if this thread is loading the library
  if (detail::current_handle != nullptr) return *detail::current_handle;
  static thread_local internal::DummyHolder holder;
  holder.handle.emplace(ThreadAccess::make(internal::make_registered_state(
      ThreadKind::kDummy, "_DummyThread", internal::new_name("Dummy-"), true)));
  detail::current_handle = &*holder.handle;
  internal::registry().add(&ThreadAccess::state(*holder.handle));
  return *holder.handle;
}

namespace internal {

std::string new_name(const char* prefix) {
  std::string name = prefix;
  name += std::to_string(g_name_counter.fetch_add(1, std::memory_order_relaxed));
  return name;
}

std::uint64_t self_tid() noexcept { return static_cast<std::uint64_t>(syscall(SYS_gettid)); }

}  // namespace internal

// ---------------------------------------------------------------------------------------
// module functions

Thread main_thread() { return ThreadAccess::make(internal::registry().main); }

std::vector<Thread> enumerate() {
  internal::Registry& reg = internal::registry();
  std::vector<Thread> out;
  AnnotatedLock lock(reg.mu);
  out.reserve(reg.count.load(std::memory_order_relaxed));
  for (ThreadState* s = reg.head; s != nullptr; s = s->reg_next)
    out.push_back(ThreadAccess::make(s->shared_from_this()));
  return out;
}

std::size_t active_count() noexcept {
  return internal::registry().count.load(std::memory_order_relaxed);
}

}  // namespace pythreading
