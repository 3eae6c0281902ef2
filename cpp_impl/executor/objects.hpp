// The Python objects a scenario makes, each a thin wrapper of the pythreading object that
// does the work: attributes, methods, str()/repr() and CPython's error texts for what the
// Python type lacks.
#pragma once

#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>

#include "pythreading/thread_annotations.hpp"
#include "pythreading/threading.hpp"
#include "value.hpp"

namespace threadspec::executor {

/// A threading.Thread (or Timer, _MainThread, _DummyThread).
struct ThreadObject : Object {
  explicit ThreadObject(pythreading::Thread t) : thread(std::move(t)) {}
  /// A Thread subclass object (make_thread): the program's reference keeps it alive.
  explicit ThreadObject(std::shared_ptr<pythreading::Thread> subclass)
      : thread(*subclass), owner(std::move(subclass)) {}
  pythreading::Thread thread;
  std::shared_ptr<pythreading::Thread> owner;
  [[nodiscard]] std::string type_name() const override;
  [[nodiscard]] std::string repr() const override { return thread.repr(); }
  Value attr(const std::string& name) override;
  Value call_method(const std::string& name, const List& args) override;
  void set_attr(const std::string& name, Value value) override;
  [[nodiscard]] bool is(const Object& other) const override;
};

/// A threading.Timer. `args` and `kwargs` are the list and dict the pythreading Timer was
/// given as its function's arguments: the program reads and mutates the same objects, and
/// the Timer passes their contents when it fires (Python's Timer.args / Timer.kwargs).
struct TimerObject : ThreadObject {
  TimerObject(pythreading::Timer t, ListPtr args, std::shared_ptr<DictObject> kwargs)
      : ThreadObject(t), timer(std::move(t)), args(std::move(args)), kwargs(std::move(kwargs)) {}
  pythreading::Timer timer;
  ListPtr args;
  std::shared_ptr<DictObject> kwargs;
  [[nodiscard]] std::string type_name() const override { return "Timer"; }
  Value attr(const std::string& name) override;
};

/// What `acquire`, `release` and `with` use: Lock, RLock, Semaphore, Condition. The program
/// acquires and releases in separate steps, which Clang's thread-safety analysis cannot
/// follow: the overrides opt out of it.
struct Acquirable : Object {
  /// V.acquire(blocking, timeout); `timeout` is absent when the step gives none (already
  /// scaled otherwise). Returns the result Python returns.
  virtual bool acquire(bool blocking, std::optional<double> timeout) = 0;
  virtual void release() = 0;
};

/// What `wait` uses: Event, Condition (bool) and Barrier (its arrival index).
struct Waitable {
  virtual ~Waitable() = default;
  virtual Value wait(std::optional<double> timeout) = 0;
};

struct LockObject : Acquirable {
  pythreading::Lock lock;
  [[nodiscard]] std::string type_name() const override { return "lock"; }
  [[nodiscard]] std::string tp_name() const override { return "_thread.lock"; }
  [[nodiscard]] std::string module_name() const override { return "_thread"; }
  /// The lock type accepts a subclass exactly when pythreading::Lock does (it is final).
  [[nodiscard]] bool type_is_final() const override { return std::is_final_v<pythreading::Lock>; }
  [[nodiscard]] std::string repr() const override;
  Value attr(const std::string& name) override;
  bool acquire(bool blocking,
               std::optional<double> timeout) override PYTHREADING_NO_THREAD_SAFETY_ANALYSIS {
    return lock.acquire(blocking, timeout.value_or(-1));
  }
  void release() override PYTHREADING_NO_THREAD_SAFETY_ANALYSIS { lock.release(); }
};

struct RLockObject : Acquirable {
  RLockObject() = default;
  /// threading.RLock(*args, **kwargs) with `passed` counting them: pythreading's deprecated
  /// constructor, which warns when there is any argument (may throw under warnings' kError).
  explicit RLockObject(pythreading::RLockArguments passed);
  pythreading::RLock lock;
  [[nodiscard]] std::string type_name() const override { return "RLock"; }
  [[nodiscard]] std::string tp_name() const override { return "_thread.RLock"; }
  [[nodiscard]] std::string module_name() const override { return "_thread"; }
  [[nodiscard]] std::string repr() const override;
  bool acquire(bool blocking,
               std::optional<double> timeout) override PYTHREADING_NO_THREAD_SAFETY_ANALYSIS {
    return lock.acquire(blocking, timeout.value_or(-1));
  }
  void release() override PYTHREADING_NO_THREAD_SAFETY_ANALYSIS { lock.release(); }
};

struct EventObject : Object, Waitable {
  pythreading::Event event;
  [[nodiscard]] std::string type_name() const override { return "Event"; }
  [[nodiscard]] std::string repr() const override;
  Value attr(const std::string& name) override;
  Value call_method(const std::string& name, const List& args) override;
  Value wait(std::optional<double> timeout) override { return {event.wait(timeout)}; }
};

struct SemaphoreObject : Acquirable {
  SemaphoreObject(long value, bool bounded);
  std::unique_ptr<pythreading::Semaphore> semaphore;
  bool bounded;
  long initial;
  [[nodiscard]] std::string type_name() const override {
    return bounded ? "BoundedSemaphore" : "Semaphore";
  }
  [[nodiscard]] std::string repr() const override;
  bool acquire(bool blocking,
               std::optional<double> timeout) override PYTHREADING_NO_THREAD_SAFETY_ANALYSIS {
    return semaphore->acquire(blocking, timeout);
  }
  void release() override PYTHREADING_NO_THREAD_SAFETY_ANALYSIS { semaphore->release(); }
};

struct ConditionObject : Acquirable, Waitable {
  /// threading.Condition(lock): lock is a LockObject or RLockObject (kept alive here), or
  /// null for Condition(), which makes its own RLockObject (kept in lock_ref, so lock_ref is
  /// never null afterwards). Raises TypeError for another object.
  explicit ConditionObject(ObjectPtr lock);
  ObjectPtr lock_ref;
  std::unique_ptr<pythreading::Condition> condition;
  [[nodiscard]] std::string type_name() const override { return "Condition"; }
  [[nodiscard]] std::string repr() const override;
  bool acquire(bool blocking,
               std::optional<double> timeout) override PYTHREADING_NO_THREAD_SAFETY_ANALYSIS {
    return condition->acquire(blocking, timeout.value_or(-1));
  }
  void release() override PYTHREADING_NO_THREAD_SAFETY_ANALYSIS { condition->release(); }
  Value wait(std::optional<double> timeout) override { return {condition->wait(timeout)}; }
  Value attr(const std::string& name) override { return call_method(name, {}); }
  Value call_method(const std::string& name, const List& args) override;
};

struct BarrierObject : Object, Waitable {
  BarrierObject(long parties, std::function<void()> action, std::optional<double> timeout)
      : barrier(parties, std::move(action), timeout) {}
  pythreading::Barrier barrier;
  [[nodiscard]] std::string type_name() const override { return "Barrier"; }
  [[nodiscard]] std::string repr() const override;
  Value attr(const std::string& name) override;
  Value wait(std::optional<double> timeout) override {
    return {static_cast<long long>(barrier.wait(timeout))};
  }
};

/// A threading.local: per-thread attribute dictionaries.
/// A threading.local, or (init set) an instance of `class CLASS(threading.local)` whose
/// __init__(self, *args, **kwargs) runs `init` in every thread that first touches it.
struct LocalObject : Object {
  pythreading::local<std::map<std::string, Value>> values;
  std::string cls;                         // empty: threading.local itself
  ObjectPtr type;                          // a subclass with init: its class (local_class)
  std::function<void(const Value&)> init;  // called with the object itself
  std::weak_ptr<LocalObject> self;
  [[nodiscard]] std::string type_name() const override { return cls.empty() ? "_local" : cls; }
  [[nodiscard]] std::string tp_name() const override {
    return cls.empty() ? "_thread._local" : cls;
  }
  [[nodiscard]] std::string module_name() const override {
    return cls.empty() ? "_thread" : "__main__";
  }
  [[nodiscard]] ObjectPtr made_class() const override { return type; }
  [[nodiscard]] std::string repr() const override;
  /// The calling thread's attributes, running __init__ first when this thread has none yet.
  std::map<std::string, Value>& touch();
  Value attr(const std::string& name) override;
  void set_attr(const std::string& name, Value value) override;
  void del_attr(const std::string& name) override;
};

/// The argument of threading.excepthook (threading.ExceptHookArgs).
struct HookArgsObject : Object {
  explicit HookArgsObject(pythreading::ExceptHookArgs a) : args(std::move(a)) {}
  pythreading::ExceptHookArgs args;
  [[nodiscard]] std::string type_name() const override { return "_ExceptHookArgs"; }
  [[nodiscard]] std::string tp_name() const override { return "_thread._ExceptHookArgs"; }
  [[nodiscard]] std::string module_name() const override { return "_thread"; }
  Value attr(const std::string& name) override;
};

/// threading.Lock itself (3.13: the class _thread.lock, final when pythreading::Lock is).
[[nodiscard]] ObjectPtr lock_class();
/// threading.Lock(*args): a new LockObject; the C type takes no arguments (TypeError "lock
/// expected 0 arguments, got N", as 3.13 words it).
[[nodiscard]] Value new_lock(const List& args);

/// "0x7f..." for an object's address, as Python's reprs show it.
[[nodiscard]] std::string address_of(const void* p);

}  // namespace threadspec::executor

namespace threadspec::executor {

/// An exception caught by `try ... as e`: str() is its message, repr() `Type(args...)`.
struct ExceptionObject : Object {
  /// `e` is the exception; its args are (message,), or () for an empty message, except a
  /// KeyError's, which are (key,).
  ExceptionObject(std::string type, std::string message, std::exception_ptr e);
  std::string type;
  std::string message;
  std::exception_ptr exception;
  List args;
  [[nodiscard]] std::string type_name() const override { return type; }
  [[nodiscard]] std::string module_name() const override;
  [[nodiscard]] std::string str() const override { return message; }
  [[nodiscard]] std::string repr() const override;
  Value attr(const std::string& name) override;
};

/// A tuple (the `args` of an exception): prints as Python prints a tuple.
struct TupleObject : Object {
  explicit TupleObject(List items) : items(std::move(items)) {}
  List items;
  [[nodiscard]] std::string type_name() const override { return "tuple"; }
  [[nodiscard]] std::string module_name() const override { return "builtins"; }
  [[nodiscard]] std::string repr() const override;
  [[nodiscard]] long long length() const override { return static_cast<long long>(items.size()); }
  [[nodiscard]] bool truth() override { return !items.empty(); }
};

/// An instance of `class CLASS(object): pass` in __main__: attributes assignable; with
/// `call_hook`, callable (__call__), with `bool_hook`, its truth value (__bool__). The hooks
/// receive the object itself first (`self`, set by the object step).
struct PlainObject : Object {
  /// An instance of `type`, a class object_class() made.
  explicit PlainObject(ObjectPtr type);
  std::string cls;
  ObjectPtr type;
  std::mutex mutex;
  std::map<std::string, Value> dict;
  std::weak_ptr<PlainObject> self;
  std::function<Value(const Value& self, const List& args, const Kwargs& kwargs)> call_hook;
  std::function<Value(const Value& self)> bool_hook;
  /// bool_hook(self), which must return a bool: TypeError("__bool__ should return bool,
  /// returned T") otherwise, as Python. Without a hook, true.
  [[nodiscard]] bool truth() override;
  /// call_hook(self, args, kwargs); without a hook TypeError("'CLASS' object is not callable").
  Value call(const List& args, const Kwargs& kwargs) override;
  [[nodiscard]] std::string type_name() const override { return cls; }
  [[nodiscard]] std::string module_name() const override { return "__main__"; }
  [[nodiscard]] ObjectPtr made_class() const override { return type; }
  [[nodiscard]] std::string repr() const override;
  Value attr(const std::string& name) override;
  void set_attr(const std::string& name, Value value) override;
  void del_attr(const std::string& name) override;
};

/// The class of an `object` step's objects: one per class name, `call` function and `bool`
/// function (empty when absent), made once and shared by every object step that names the
/// same three, as the reference executor does. Thread-safe.
[[nodiscard]] ObjectPtr object_class(const std::string& cls, const std::string& call_fn,
                                     const std::string& bool_fn);
/// The class of a `local` step's objects with `init`: one per class name and init function,
/// as object_class(). Thread-safe.
[[nodiscard]] ObjectPtr local_class(const std::string& cls, const std::string& init_fn);

}  // namespace threadspec::executor
