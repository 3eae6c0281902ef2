// The Python objects a scenario makes, each a thin wrapper of the pythreading object that
// does the work: attributes, methods, str()/repr() and CPython's error texts for what the
// Python type lacks.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "pythreading/threading.hpp"
#include "value.hpp"

namespace threadspec::executor {

/// A threading.Thread (or Timer, _MainThread, _DummyThread).
struct ThreadObject : Object {
  explicit ThreadObject(pythreading::Thread t) : thread(std::move(t)) {}
  pythreading::Thread thread;
  [[nodiscard]] std::string type_name() const override;
  [[nodiscard]] std::string repr() const override { return thread.repr(); }
  Value attr(const std::string& name) override;
  void set_attr(const std::string& name, Value value) override;
  [[nodiscard]] bool is(const Object& other) const override;
};

/// A threading.Timer.
struct TimerObject : ThreadObject {
  explicit TimerObject(pythreading::Timer t) : ThreadObject(t), timer(std::move(t)) {}
  pythreading::Timer timer;
  [[nodiscard]] std::string type_name() const override { return "Timer"; }
};

/// What `acquire`, `release` and `with` use: Lock, RLock, Semaphore, Condition.
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
  [[nodiscard]] std::string repr() const override;
  Value attr(const std::string& name) override;
  bool acquire(bool blocking, std::optional<double> timeout) override {
    return lock.acquire(blocking, timeout.value_or(-1));
  }
  void release() override { lock.release(); }
};

struct RLockObject : Acquirable {
  pythreading::RLock lock;
  [[nodiscard]] std::string type_name() const override { return "RLock"; }
  [[nodiscard]] std::string tp_name() const override { return "_thread.RLock"; }
  [[nodiscard]] std::string module_name() const override { return "_thread"; }
  [[nodiscard]] std::string repr() const override;
  bool acquire(bool blocking, std::optional<double> timeout) override {
    return lock.acquire(blocking, timeout.value_or(-1));
  }
  void release() override { lock.release(); }
};

struct EventObject : Object, Waitable {
  pythreading::Event event;
  [[nodiscard]] std::string type_name() const override { return "Event"; }
  [[nodiscard]] std::string repr() const override;
  Value attr(const std::string& name) override;
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
  bool acquire(bool blocking, std::optional<double> timeout) override {
    return semaphore->acquire(blocking, timeout);
  }
  void release() override { semaphore->release(); }
};

struct ConditionObject : Acquirable, Waitable {
  /// threading.Condition(lock): lock is a LockObject or RLockObject (kept alive here), or
  /// null for Condition() with its own RLock. Raises TypeError for another object.
  explicit ConditionObject(ObjectPtr lock);
  ObjectPtr lock_ref;
  std::unique_ptr<pythreading::Condition> condition;
  [[nodiscard]] std::string type_name() const override { return "Condition"; }
  [[nodiscard]] std::string repr() const override;
  bool acquire(bool blocking, std::optional<double> timeout) override {
    return condition->acquire(blocking, timeout.value_or(-1));
  }
  void release() override { condition->release(); }
  Value wait(std::optional<double> timeout) override { return {condition->wait(timeout)}; }
};

struct BarrierObject : Object, Waitable {
  BarrierObject(long parties, std::optional<double> timeout) : barrier(parties, nullptr, timeout) {}
  pythreading::Barrier barrier;
  [[nodiscard]] std::string type_name() const override { return "Barrier"; }
  [[nodiscard]] std::string repr() const override;
  Value attr(const std::string& name) override;
  Value wait(std::optional<double> timeout) override {
    return {static_cast<long long>(barrier.wait(timeout))};
  }
};

/// A threading.local: per-thread attribute dictionaries.
struct LocalObject : Object {
  pythreading::local<std::map<std::string, Value>> values;
  [[nodiscard]] std::string type_name() const override { return "_local"; }
  [[nodiscard]] std::string tp_name() const override { return "_thread._local"; }
  [[nodiscard]] std::string module_name() const override { return "_thread"; }
  [[nodiscard]] std::string repr() const override;
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

/// "0x7f..." for an object's address, as Python's reprs show it.
[[nodiscard]] std::string address_of(const void* p);

}  // namespace threadspec::executor
