// pythreading/thread.hpp: threads with the observable behaviour of CPython 3.13's `threading`.
//
// What maps to what (Python -> C++):
//   threading.Thread(target=f, args=(1,), name="n", daemon=True)
//       -> Thread(ThreadOptions{.name = "n", .daemon = true}, f, 1)
//   threading.Thread(target=f, args=(1,))   -> Thread(f, 1)            // name "Thread-N"
//   name "Thread-N (f)" needs the target's name, which C++ cannot know:
//       -> Thread(ThreadOptions{.target_name = "f"}, f)
//   t.start() / t.join() / t.join(1.5) / t.is_alive() -> the same member functions
//   t.name / t.name = "x"      -> t.name() / t.set_name("x")
//   t.daemon / t.daemon = True -> t.daemon() / t.set_daemon(true)
//   getName, setName, isDaemon, setDaemon, currentThread, activeCount -> the same names,
//       [[deprecated]] and warning at run time as CPython 3.13 does (warnings.hpp)
//   t.ident / t.native_id      -> t.ident() / t.native_id()   (std::nullopt for Python None)
//   current_thread(), main_thread(), enumerate(), active_count(), get_ident(),
//   get_native_id(), stack_size(), TIMEOUT_MAX, excepthook, __excepthook__
//       -> the functions below (excepthook: get_excepthook / set_excepthook, default_excepthook)
//   subclass overriding run()  -> class W : public Thread { void run() override; };
//                                 auto w = make_thread<W>(ctor args...);  w->start();
//
// Handles. A Thread is a cheap copyable handle to shared state, like a Python reference:
// copies compare equal and observe the same thread. Constness is the handle's: every
// operation on the thread object is const (current_thread() returns a const reference and
// still allows join, set_name...) except start(), run() and set_class_name; only assignment
// changes the handle itself. Dropping every handle of a running thread
// neither stops nor blocks it; the thread keeps its own reference until it has finished.
// Every member function is thread-safe (may be called from any thread on any handle), except
// set_class_name, and run() called directly while the thread runs it too (as in Python).
// Every Thread refers to a thread object: Thread() makes a new one without a target (and
// takes a "Thread-N" name). CPython's RuntimeError("thread.__init__() not called") has no
// counterpart: a C++ constructor always runs.
//
// Names. Like CPython 3.13: one counter shared by "Thread-%d" and "Dummy-%d" (and Timer),
// starting at 1; a thread without a name (or with an empty one, Python's falsy name) gets
// "Thread-N", plus " (target)" when ThreadOptions::target_name is non-empty. The main
// thread is "MainThread". A thread not started by pythreading (e.g. a std::thread) that calls
// current_thread() is registered as a daemon "Dummy-N" thread; its entry is removed when that
// OS thread exits (thread_local destructor).
//
// Exceptions escaping a target (or an overridden run()) never reach std::terminate: they are
// passed to the excepthook (see below) in the failing thread, which then ends normally.
//
// Exit (CPython's threading._shutdown). When the program ends, non-daemon threads are joined
// first, then the process exits with main's status and daemon threads stop wherever they are.
// pythreading does this with _exit() after flushing stdio, so static destructors never run
// while daemon threads still use the objects they destroy. Three ways in, best first:
//   1. PYTHREADING_MAIN(my_main) or `return pythreading::run_main(my_main, argc, argv);`
//   2. pythreading::exit(status) / pythreading::shutdown() called by main explicitly.
//   3. A plain `return` from main (or std::exit): an on_exit() handler registered when the
//      library is loaded joins the non-daemon threads and then _exit()s with the status.
//      Limit: handlers and function-local-static destructors registered *after* the library
//      was loaded run *before* that handler (exit() runs them in reverse order), i.e. before
//      non-daemon threads are joined; prefer 1 or 2 when threads use such objects.
// In every case static destructors and atexit handlers registered before the library loaded
// are skipped (as with os._exit), stdio and iostreams are flushed, and under LeakSanitizer a
// leak check is run before _exit. Under ThreadSanitizer the library defaults
// atexit_sleep_ms=0 (TSan would sleep 1 s in _exit, letting daemons run on). A non-daemon
// thread that never ends keeps the process alive.
// fork(): in the child every other thread is forgotten (finished, unlisted) and the forking
// thread becomes the main thread, as CPython's _after_fork does.
// Linux (glibc) only: futex, gettid, on_exit.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "pythreading/detail/thread_state.hpp"
#include "pythreading/errors.hpp"
#include "pythreading/warnings.hpp"

namespace pythreading {

/// threading.TIMEOUT_MAX on 64-bit Linux (CPython 3.13 prints 9223372036.0). A join timeout
/// above it throws OverflowError("timestamp out of range for platform time_t"), the text
/// CPython 3.13 raises for such a value.
inline constexpr double TIMEOUT_MAX = 9223372036.0;

/// Construction options of a Thread (the keyword arguments of threading.Thread).
struct ThreadOptions {
  /// Optional type-erased target (for callers that build targets at run time, such as an
  /// interpreter). Prefer passing the callable to the Thread constructor: that stores it in
  /// the thread's single allocation. Must be empty when a callable is passed separately.
  std::function<void()> target{};
  /// Thread name; empty means "Thread-N" (Python treats a falsy name the same way).
  std::string name{};
  /// Daemon flag; std::nullopt inherits current_thread().daemon() at construction.
  std::optional<bool> daemon{};
  /// Name of the target function (Python's target.__name__): when non-empty and `name` is
  /// empty, the default name is "Thread-N (target_name)", as CPython 3.10+ does.
  std::string target_name{};
};

class Thread;
template <class T, class... Args>
std::shared_ptr<T> make_thread(Args&&... args);

/// A handle to a thread object (Python's threading.Thread instance).
class Thread {
 public:
  /// threading.Thread(): no target (run() does nothing), default name, inherited daemon.
  Thread();
  /// threading.Thread(target=opts.target, name=..., daemon=...).
  explicit Thread(ThreadOptions opts);
  /// threading.Thread(target=f, args=(args...)): f and args are decay-copied into the thread
  /// object (the single allocation) and run() calls std::invoke(std::move(f),
  /// std::move(args)...) once, as std::thread does (move-only arguments work; to pass a
  /// reference use std::ref).
  // (clang-format 14 mangles requires-clauses)
  // clang-format off
  template <class F, class... Args>
    requires(!std::same_as<std::remove_cvref_t<F>, ThreadOptions> &&
             !std::derived_from<std::remove_cvref_t<F>, Thread> &&
             detail::ThreadTarget<F, Args...>)
  explicit Thread(F&& f, Args&&... args)
      : Thread(ThreadOptions{}, std::forward<F>(f), std::forward<Args>(args)...) {}
  // clang-format on
  /// As above with name / daemon / target_name options. Throws ValueError if opts.target is
  /// also set.
  // clang-format off
  template <class F, class... Args>
    requires detail::ThreadTarget<F, Args...>
  Thread(ThreadOptions opts, F&& f, Args&&... args)
      // clang-format on
      : state_(std::make_shared<detail::TargetState<std::decay_t<F>, std::decay_t<Args>...>>(
            std::forward<F>(f), std::forward<Args>(args)...)) {
    init(std::move(opts));
  }

  Thread(const Thread&) = default;
  Thread(Thread&&) noexcept = default;
  Thread& operator=(const Thread&) = default;
  Thread& operator=(Thread&&) noexcept = default;
  virtual ~Thread() = default;

  /// Starts the thread: run() is called in a new OS thread. Returns as soon as CPython's
  /// start() contract holds: is_alive() is true, ident() is known and the thread is listed by
  /// enumerate(); it does not wait for the new thread to be scheduled (native_id() waits for
  /// that when read before the thread has run). No global lock is held meanwhile. Uses the
  /// stack_size() in effect.
  /// Throws RuntimeError("threads can only be started once") on a second start (also when
  /// two threads race to start the same object: exactly one wins), RuntimeError("can't start
  /// new thread") if the OS refuses (the object may then be started again).
  void start();

  /// The thread's activity; by default calls the target with its arguments, once (the
  /// target is released afterwards, as CPython deletes it). Override in a subclass; see
  /// make_thread for keeping such an object alive while its thread runs. Calling run()
  /// directly runs it in the calling thread, as in Python.
  virtual void run();

  /// Waits until the thread has finished (run() returned and its excepthook, if any, ran).
  /// Throws RuntimeError("cannot join thread before it is started"), RuntimeError("cannot
  /// join current thread"), RuntimeError("cannot join a dummy thread"). Joining the main
  /// thread waits until it calls shutdown()/exit(). Any number of threads may join at once.
  void join() const;
  /// join() for at most `timeout` seconds; returns nothing, as Python: check is_alive().
  /// A negative timeout acts as 0; NaN throws ValueError("Invalid value NaN (not a number)");
  /// above TIMEOUT_MAX throws OverflowError("timestamp out of range for platform time_t").
  void join(double timeout) const;

  /// True from start() until the thread has finished (main: until shutdown; dummy: always).
  [[nodiscard]] bool is_alive() const noexcept;

  /// The thread's name (a copy, taken under a lock; set_name may run concurrently).
  [[nodiscard]] std::string name() const;
  /// Sets the name (Python's `t.name = x`); allowed at any time, as in Python. Only the
  /// library's record changes (the OS thread name is not touched).
  void set_name(std::string name) const;

  [[nodiscard]] bool daemon() const noexcept;
  /// Python's `t.daemon = x`. Throws RuntimeError("cannot set daemon status of active
  /// thread") once started (main and dummy threads count as started).
  void set_daemon(bool daemonic) const;

  /// threading.get_ident() of the thread (its pthread_t); std::nullopt before start().
  [[nodiscard]] std::optional<std::uint64_t> ident() const noexcept;
  /// The OS thread id (gettid()); std::nullopt before start(). Read right after start(), it
  /// waits until the new thread has run far enough to publish it.
  [[nodiscard]] std::optional<std::uint64_t> native_id() const noexcept;

  /// The legacy accessors: as name() / set_name() / daemon() / set_daemon(), after a
  /// DeprecationWarning with CPython 3.13's text from the caller's location (warnings.hpp).
  [[deprecated("getName() is deprecated, get the name attribute instead: use name()")]] std::string
  getName(warnings::CallSite where = {}) const {
    warnings::warn_deprecated("getName() is deprecated, get the name attribute instead", where);
    return name();
  }
  [[deprecated("setName() is deprecated, set the name attribute instead: use set_name()")]] void
  setName(std::string n, warnings::CallSite where = {}) const {
    warnings::warn_deprecated("setName() is deprecated, set the name attribute instead", where);
    set_name(std::move(n));
  }
  [[deprecated("isDaemon() is deprecated, get the daemon attribute instead: use daemon()")]] bool
  isDaemon(warnings::CallSite where = {}) const {
    warnings::warn_deprecated("isDaemon() is deprecated, get the daemon attribute instead", where);
    return daemon();
  }
  [[deprecated(
      "setDaemon() is deprecated, set the daemon attribute instead: use set_daemon()")]] void
  setDaemon(bool d, warnings::CallSite where = {}) const {
    warnings::warn_deprecated("setDaemon() is deprecated, set the daemon attribute instead", where);
    set_daemon(d);
  }

  /// Python's repr(t), e.g. "<Thread(Thread-1 (f), started daemon 140230914246336)>":
  /// class name (Thread, Timer, _MainThread, _DummyThread, or set_class_name's), the name,
  /// then "initial" / "started" / "stopped", " daemon" if daemonic, and the ident once known.
  [[nodiscard]] std::string repr() const;
  /// The class name repr() shows, for subclasses emulating a Python subclass (a string
  /// literal or other storage that outlives the thread object). Not thread-safe against
  /// concurrent repr(): call it before sharing the object.
  void set_class_name(const char* name) noexcept;

  /// Same thread object (Python's `is`).
  friend bool operator==(const Thread& a, const Thread& b) noexcept { return a.state_ == b.state_; }
  /// An opaque key, stable for the thread object's lifetime (for maps keyed by thread).
  [[nodiscard]] const void* id() const noexcept { return state_.get(); }

 protected:
  /// For subclasses that keep their behaviour in the target (like Timer) rather than in an
  /// overridden run(): the object need not outlive the thread.
  struct HandleOnly {};
  Thread(HandleOnly, ThreadOptions opts);
  template <class F, class... Args>
  Thread(HandleOnly, ThreadOptions opts, F&& f, Args&&... args)
      : Thread(std::move(opts), std::forward<F>(f), std::forward<Args>(args)...) {
    handle_only_ = true;
  }

 private:
  explicit Thread(std::shared_ptr<detail::ThreadState> s) noexcept : state_(std::move(s)) {}
  void init(ThreadOptions opts);
  friend struct ThreadAccess;
  template <class T, class... Args>
  friend std::shared_ptr<T> make_thread(Args&&... args);

  std::shared_ptr<detail::ThreadState> state_;
  bool handle_only_ = false;
};

/// Creates a Thread subclass object owned by a shared_ptr, so that start() can keep it alive
/// until its run() returns (then the thread drops that reference): Python's "the thread
/// object lives while it runs". A subclass object created otherwise (on the stack, by
/// new...) whose run() is overridden must outlive its OS thread: join it before destroying
/// it. T must derive from Thread.
template <class T, class... Args>
std::shared_ptr<T> make_thread(Args&&... args) {
  static_assert(std::derived_from<T, Thread>, "make_thread<T>: T must derive from Thread");
  auto obj = std::make_shared<T>(std::forward<Args>(args)...);
  obj->state_->runner_weak = std::static_pointer_cast<Thread>(obj);
  return obj;
}

namespace detail {
/// The calling thread's handle once known (a pythreading thread while it runs, the main
/// thread, a registered dummy thread); set and cleared by the library only.
inline thread_local const Thread* current_handle = nullptr;
/// Registers the calling thread as a dummy thread (or finds the main thread while the
/// library loads) and returns its handle.
const Thread& register_current_thread();
}  // namespace detail

/// threading.current_thread(): the calling thread's object. In a thread not started by
/// pythreading (and not main), registers a daemon dummy thread "Dummy-N" on first call.
/// Returns a reference to the calling thread's own handle, valid until the calling thread
/// ends: copy it (`Thread t = current_thread();`) to keep or share it. After the first call,
/// one thread-local load, inline (no reference count traffic). Never throws except
/// std::bad_alloc.
inline const Thread& current_thread() {
  const Thread* h = detail::current_handle;
  return h != nullptr ? *h : detail::register_current_thread();
}
/// threading.currentThread(): current_thread() after a DeprecationWarning (warnings.hpp).
[[deprecated("currentThread() is deprecated, use current_thread() instead")]] inline const Thread&
currentThread(warnings::CallSite where = {}) {
  warnings::warn_deprecated("currentThread() is deprecated, use current_thread() instead", where);
  return current_thread();
}
/// threading.main_thread(): the thread that loaded the library (normally the one that runs
/// main()), named "MainThread", non-daemon.
Thread main_thread();
/// threading.enumerate(): main, dummy threads and started, not yet finished threads (a
/// thread is listed from start() until just before is_alive() turns false), in registration
/// order like CPython's (main first, then threads in the order they were started or, for
/// dummies, first called current_thread()). O(n) under a short registry lock.
std::vector<Thread> enumerate();
/// threading.active_count() == enumerate().size() at one instant; O(1), lock-free.
std::size_t active_count() noexcept;
/// threading.activeCount(): active_count() after a DeprecationWarning (warnings.hpp).
[[deprecated("activeCount() is deprecated, use active_count() instead")]] inline std::size_t
activeCount(warnings::CallSite where = {}) {
  warnings::warn_deprecated("activeCount() is deprecated, use active_count() instead", where);
  return active_count();
}
/// threading.get_ident(): the calling thread's pthread_t as an integer (non-zero).
std::uint64_t get_ident() noexcept;
/// threading.get_native_id(): the calling thread's OS id (gettid()).
std::uint64_t get_native_id() noexcept;

/// threading.stack_size(): the stack size used for threads started afterwards (0 = the
/// platform default). stack_size(size) sets it and returns the previous value. Throws
/// ValueError("size not valid: N bytes") if 0 < size < 32768 (or the OS refuses it).
/// Thread-safe.
std::size_t stack_size();
std::size_t stack_size(std::size_t size);

/// Python's time.sleep(seconds): ValueError("sleep length must be non-negative") if
/// negative, ValueError("Invalid value NaN (not a number)") for NaN, OverflowError
/// ("timestamp out of range for platform time_t", CPython's text) above TIMEOUT_MAX (or
/// infinite); 0 yields. Provided because every threading example needs it.
void sleep(double seconds);

/// threading.ExceptHookArgs. exc_type is the Python class name ("RuntimeError"; for a
/// std::exception not derived from PythonError its demangled C++ type name, e.g.
/// "std::runtime_error"; for anything else "UnknownException"); exc_value is str(exception)
/// (what() / the message); exception is the exception itself (may be rethrown); thread is
/// the failing thread (always set by pythreading; optional as in Python). exc_module is the
/// module of exc_type's Python class ("threading" for BrokenBarrierError), empty for a
/// builtin and for a C++ type; the default excepthook prints "exc_module.exc_type" then.
struct ExceptHookArgs {
  std::string exc_type;
  std::string exc_module;
  std::string exc_value;
  std::exception_ptr exception;
  std::optional<Thread> thread;
};
using ExceptHook = std::function<void(const ExceptHookArgs&)>;

/// threading.__excepthook__: writes format_exception(args) through the library's output
/// (output.hpp; by default the C stderr stream, one fwrite under the stream's lock, then a
/// flush); writes nothing for SystemExit. While the output is None (set_output_none) it
/// writes to the output that was current when args.thread was created (CPython's
/// Thread._stderr), and nothing when that was None too or there is no thread. Output:
///     Exception in thread NAME:
///     Traceback (most recent call last):
///       (C++: no traceback available)
///     TypeName: message
/// The two middle lines stand for CPython's traceback, which C++ cannot produce; the first
/// and last lines are byte-identical to CPython's ("TypeName" alone if the message is empty;
/// "module.TypeName" when exc_module is not empty, as CPython names a non-builtin type).
void default_excepthook(const ExceptHookArgs& args);
/// The text default_excepthook writes (empty for SystemExit).
std::string format_exception(const ExceptHookArgs& args);
/// threading.excepthook = hook (an empty hook restores default_excepthook). Thread-safe; a
/// thread that fails uses the hook set at that moment. If the hook itself throws, the error
/// is reported as CPython does: "Exception in threading.excepthook:" and then, as
/// sys.excepthook prints it, the traceback lines and "TypeName: message" of the hook's error.
void set_excepthook(ExceptHook hook);
/// The current threading.excepthook (default_excepthook unless replaced).
ExceptHook get_excepthook();
/// Builds ExceptHookArgs from an exception_ptr (for executors reporting errors themselves).
ExceptHookArgs make_excepthook_args(std::exception_ptr e, std::optional<Thread> thread);

/// threading._shutdown(): marks the main thread finished (its joiners wake), then joins
/// every started non-daemon thread (except the caller), including threads started while it
/// waits, until none remains. Call from the main thread at the end of the program; exit()
/// and run_main() call it. Idempotent.
void shutdown();
/// Ends the process like returning `status` from a Python main: shutdown(), flush stdio and
/// iostreams, then _exit(status). Daemon threads stop where they are; static destructors do
/// not run. Called from another thread than main it does not wait for main.
[[noreturn]] void exit(int status);
/// Runs main_fn(argc, argv) and then exit(its status). An exception escaping main_fn is
/// printed as Python prints an uncaught exception ("Traceback ...", "TypeName: message")
/// and the status becomes 1; a SystemExit ends like Python's: an integer message is the
/// status, an empty one means 0, any other message is printed to stderr with status 1. Use as `int
/// main(int c, char** v) { return pythreading::run_main(real_main, c, v); }` or
/// PYTHREADING_MAIN(real_main).
[[noreturn]] int run_main(int (*main_fn)(int, char**), int argc, char** argv);

}  // namespace pythreading

/// Defines main() to run `fn` (int fn(int, char**)) under pythreading::run_main.
#define PYTHREADING_MAIN(fn) \
  int main(int argc, char** argv) { pythreading::run_main(fn, argc, argv); }
