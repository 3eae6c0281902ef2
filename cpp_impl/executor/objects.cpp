#include "objects.hpp"

#include <cstdio>

namespace threadspec::executor {

namespace pt = pythreading;

std::string address_of(const void* p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%p", p);
  return buf;
}

// ------------------------------------------------------------------ Thread
std::string ThreadObject::type_name() const {
  const std::string r = thread.repr();  // "<Class(name, state...)>"
  const auto paren = r.find('(');
  return paren == std::string::npos ? "Thread" : r.substr(1, paren - 1);
}

Value ThreadObject::attr(const std::string& name) {
  if (name == "name" || name == "getName") return {thread.name()};
  if (name == "daemon" || name == "isDaemon") return {thread.daemon()};
  if (name == "ident")
    return thread.ident() ? Value(static_cast<long long>(*thread.ident())) : Value();
  if (name == "native_id") {
    return thread.native_id() ? Value(static_cast<long long>(*thread.native_id())) : Value();
  }
  if (name == "is_alive") return {thread.is_alive()};
  if (name == "isAlive") {  // removed in 3.9; the traceback printer adds the suggestion
    raise("AttributeError",
          "'" + type_name() + "' object has no attribute 'isAlive'. Did you mean: 'is_alive'?");
  }
  return Object::attr(name);
}

void ThreadObject::set_attr(const std::string& name, Value value) {
  if (name == "name") {
    thread.set_name(py_str(value));
  } else if (name == "daemon") {
    thread.set_daemon(truthy(value));
  } else {
    Object::set_attr(name, std::move(value));
  }
}

bool ThreadObject::is(const Object& other) const {
  auto t = dynamic_cast<const ThreadObject*>(&other);
  return t && t->thread == thread;
}

// ------------------------------------------------------------------ locks
std::string LockObject::repr() const {
  return std::string("<") + (lock.locked() ? "locked" : "unlocked") + " _thread.lock object at " +
         address_of(this) + ">";
}

Value LockObject::attr(const std::string& name) {
  if (name == "locked") return {lock.locked()};
  return Object::attr(name);
}

std::string RLockObject::repr() const {
  return std::string("<") + (lock.locked() ? "locked" : "unlocked") + " _thread.RLock object at " +
         address_of(this) + ">";
}

std::string EventObject::repr() const {
  return "<threading.Event at " + address_of(this) + ": " + (event.is_set() ? "set" : "unset") +
         ">";
}

Value EventObject::attr(const std::string& name) {
  if (name == "is_set") return {event.is_set()};
  return Object::attr(name);
}

SemaphoreObject::SemaphoreObject(long value, bool b)
    : semaphore(b ? std::make_unique<pt::BoundedSemaphore>(value)
                  : std::make_unique<pt::Semaphore>(value)),
      bounded(b),
      initial(value) {}

std::string SemaphoreObject::repr() const {
  std::string r = "<threading." + type_name() + " at " + address_of(this) +
                  ": value=" + std::to_string(semaphore->value());
  if (bounded) r += "/" + std::to_string(initial);
  return r + ">";
}

ConditionObject::ConditionObject(ObjectPtr lock) : lock_ref(std::move(lock)) {
  if (!lock_ref) {
    condition = std::make_unique<pt::Condition>();
  } else if (auto l = std::dynamic_pointer_cast<LockObject>(lock_ref)) {
    condition = std::make_unique<pt::Condition>(l->lock);
  } else if (auto r = std::dynamic_pointer_cast<RLockObject>(lock_ref)) {
    condition = std::make_unique<pt::Condition>(r->lock);
  } else {
    // Python accepts any object with acquire/release; the language offers only locks.
    raise("TypeError", "Condition needs a Lock or an RLock, not '" + lock_ref->type_name() + "'");
  }
}

std::string ConditionObject::repr() const {
  return "<Condition(" + (lock_ref ? lock_ref->repr() : std::string("<RLock>")) + ")>";
}

std::string BarrierObject::repr() const {
  if (barrier.broken()) return "<threading.Barrier at " + address_of(this) + ": broken>";
  return "<threading.Barrier at " + address_of(this) +
         ": waiters=" + std::to_string(barrier.n_waiting()) + "/" +
         std::to_string(barrier.parties()) + ">";
}

Value BarrierObject::attr(const std::string& name) {
  if (name == "parties") return {static_cast<long long>(barrier.parties())};
  if (name == "n_waiting") return {static_cast<long long>(barrier.n_waiting())};
  if (name == "broken") return {barrier.broken()};
  return Object::attr(name);
}

// ------------------------------------------------------------------ local
std::string LocalObject::repr() const {
  return "<_thread._local object at " + address_of(this) + ">";
}

Value LocalObject::attr(const std::string& name) {
  auto& m = *values;
  auto it = m.find(name);
  if (it == m.end()) return Object::attr(name);
  return it->second;
}

void LocalObject::set_attr(const std::string& name, Value value) {
  (*values)[name] = std::move(value);
}

void LocalObject::del_attr(const std::string& name) {
  if (values->erase(name) == 0) Object::attr(name);
}

// ------------------------------------------------------------------ excepthook args
Value HookArgsObject::attr(const std::string& name) {
  if (name == "exc_type") {
    return {std::make_shared<TypeObject>(
        args.exc_type == "BrokenBarrierError" ? "threading" : "builtins", args.exc_type)};
  }
  if (name == "exc_value") return {args.exc_value};
  if (name == "thread") {
    return args.thread ? Value(std::make_shared<ThreadObject>(*args.thread)) : Value();
  }
  return Object::attr(name);
}

}  // namespace threadspec::executor
