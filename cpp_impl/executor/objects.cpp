#include "objects.hpp"

#include <cstdio>
#include <tuple>

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
  if (name == "name") return {thread.name()};
  if (name == "daemon") return {thread.daemon()};
#pragma GCC diagnostic push  // the program's legacy getters: pythreading warns as CPython does
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (name == "getName") return {thread.getName()};
  if (name == "isDaemon") return {thread.isDaemon()};
#pragma GCC diagnostic pop
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

Value ThreadObject::call_method(const std::string& name, const List& args) {
#pragma GCC diagnostic push  // the program's legacy setters: pythreading warns as CPython does
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (name == "setName" && args.size() == 1) {
    thread.setName(py_str(args[0]));
    return {};
  }
  if (name == "setDaemon" && args.size() == 1) {
    thread.setDaemon(truthy(args[0]));
    return {};
  }
#pragma GCC diagnostic pop
  return Object::call_method(name, args);
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

Value TimerObject::attr(const std::string& name) {
  if (name == "args") return {args};
  if (name == "kwargs") return {kwargs};
  return ThreadObject::attr(name);
}

bool ThreadObject::is(const Object& other) const {
  auto t = dynamic_cast<const ThreadObject*>(&other);
  return t && t->thread == thread;
}

// ------------------------------------------------------------------ locks
ObjectPtr lock_class() {
  return std::make_shared<TypeObject>("_thread", "lock", std::is_final_v<pythreading::Lock>);
}

Value new_lock(const List& args) {
  if (!args.empty()) {
    raise("TypeError", "lock expected 0 arguments, got " + std::to_string(args.size()));
  }
  return {std::make_shared<LockObject>()};
}

std::string LockObject::repr() const {
  return std::string("<") + (lock.locked() ? "locked" : "unlocked") + " _thread.lock object at " +
         address_of(this) + ">";
}

Value LockObject::attr(const std::string& name) {
  if (name == "locked") return {lock.locked()};
  return Object::attr(name);
}

#pragma GCC diagnostic push  // the program's deprecated call: pythreading warns as CPython does
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
RLockObject::RLockObject(pythreading::RLockArguments passed) : lock(passed) {}
#pragma GCC diagnostic pop

std::string RLockObject::repr() const {
  return std::string("<") + (lock.locked() ? "locked" : "unlocked") +
         " _thread.RLock object owner=" + std::to_string(lock.owner()) +
         " count=" + std::to_string(lock.count()) + " at " + address_of(this) + ">";
}

std::string EventObject::repr() const {
  return "<threading.Event at " + address_of(this) + ": " + (event.is_set() ? "set" : "unset") +
         ">";
}

Value EventObject::attr(const std::string& name) { return call_method(name, {}); }

Value EventObject::call_method(const std::string& name, const List& args) {
  if (args.empty()) {
    if (name == "is_set") return {event.is_set()};
#pragma GCC diagnostic push  // the program's legacy name: pythreading warns as CPython does
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    if (name == "isSet") return {event.isSet()};
#pragma GCC diagnostic pop
    if (name == "set") {
      event.set();
      return {};
    }
    if (name == "clear") {
      event.clear();
      return {};
    }
  }
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
  // Condition() makes its own RLock, as Python does; holding it here lets str() show it.
  if (!lock_ref) lock_ref = std::make_shared<RLockObject>();
  if (auto l = std::dynamic_pointer_cast<LockObject>(lock_ref)) {
    condition = std::make_unique<pt::Condition>(l->lock);
  } else if (auto r = std::dynamic_pointer_cast<RLockObject>(lock_ref)) {
    condition = std::make_unique<pt::Condition>(r->lock);
  } else {
    // Python accepts any object with acquire/release; the language offers only locks.
    raise("TypeError", "Condition needs a Lock or an RLock, not '" + lock_ref->type_name() + "'");
  }
}

Value ConditionObject::call_method(const std::string& name, const List& args) {
  if (name == "notify" && args.size() <= 1) {
    const long long n = args.empty() ? 1 : to_index(args[0]);
    condition->notify(n < 0 ? 0 : static_cast<std::size_t>(n));
    return {};
  }
  if (args.empty() && name == "notify_all") {
    condition->notify_all();
    return {};
  }
#pragma GCC diagnostic push  // the program's legacy name: pythreading warns as CPython does
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (args.empty() && name == "notifyAll") {
    condition->notifyAll();
    return {};
  }
#pragma GCC diagnostic pop
  return Object::attr(name);
}

std::string ConditionObject::repr() const {
  return "<Condition(" + lock_ref->repr() + ", " + std::to_string(condition->n_waiters()) + ")>";
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
  if (!cls.empty()) return "<__main__." + cls + " object at " + address_of(this) + ">";
  return "<_thread._local object at " + address_of(this) + ">";
}

std::map<std::string, Value>& LocalObject::touch() {
  const bool fresh = !values.has_value();
  auto& m = values.get();
  if (fresh && init) {
    if (auto me = self.lock()) init(Value(ObjectPtr(me)));
  }
  return m;
}

Value LocalObject::attr(const std::string& name) {
  auto& m = touch();
  auto it = m.find(name);
  if (it == m.end()) attribute_error(tp_name(), name);
  return it->second;
}

void LocalObject::set_attr(const std::string& name, Value value) {
  auto& m = touch();
  Value old = std::move(m[name]);  // released after the new value is in place
  m[name] = std::move(value);
}

void LocalObject::del_attr(const std::string& name) {
  auto& m = touch();
  auto it = m.find(name);
  if (it == m.end()) attribute_error(tp_name(), name);
  Value old = std::move(it->second);
  m.erase(it);
}

// ------------------------------------------------------------------ excepthook args
Value HookArgsObject::attr(const std::string& name) {
  if (name == "exc_type") {
    return {std::make_shared<TypeObject>(args.exc_module.empty() ? "builtins" : args.exc_module,
                                         args.exc_type)};
  }
  if (name == "exc_value") return {args.exc_value};
  if (name == "thread") {
    return args.thread ? Value(std::make_shared<ThreadObject>(*args.thread)) : Value();
  }
  return Object::attr(name);
}

}  // namespace threadspec::executor

namespace threadspec::executor {

std::string ExceptionObject::module_name() const {
  return type == "BrokenBarrierError" ? "threading" : "builtins";
}

ExceptionObject::ExceptionObject(std::string t, std::string m, std::exception_ptr e)
    : type(std::move(t)), message(std::move(m)), exception(std::move(e)) {
  try {
    std::rethrow_exception(exception);
  } catch (const KeyError& k) {
    args = List{k.key};
  } catch (...) {
    if (!message.empty()) args = List{Value(message)};
  }
}

std::string ExceptionObject::repr() const {
  std::string out = type + "(";
  for (std::size_t i = 0; i < args.size(); ++i) out += (i ? ", " : "") + py_repr(args[i]);
  return out + ")";
}

Value ExceptionObject::attr(const std::string& name) {
  if (name == "args") return Value(std::make_shared<TupleObject>(args));
  return Object::attr(name);
}

std::string TupleObject::repr() const {
  std::string out = "(";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + py_repr(items[i]);
  return out + (items.size() == 1 ? ",)" : ")");
}

namespace {
/// The class `cls` of `base` the program makes for these functions: one per four, made once.
ObjectPtr program_class(const std::string& base, const std::string& cls, const std::string& f1,
                        const std::string& f2) {
  static std::mutex mutex;
  static std::map<std::tuple<std::string, std::string, std::string, std::string>, ObjectPtr>
      classes;
  std::lock_guard lock(mutex);
  ObjectPtr& type = classes[{base, cls, f1, f2}];
  if (!type) type = std::make_shared<TypeObject>("__main__", cls, false, true);
  return type;
}
}  // namespace

ObjectPtr object_class(const std::string& cls, const std::string& call_fn,
                       const std::string& bool_fn) {
  return program_class("object", cls, call_fn, bool_fn);
}

ObjectPtr local_class(const std::string& cls, const std::string& init_fn) {
  return program_class("_thread._local", cls, init_fn, "");
}

PlainObject::PlainObject(ObjectPtr t)
    : cls(std::dynamic_pointer_cast<TypeObject>(t)->name), type(std::move(t)) {}

std::string PlainObject::repr() const {
  return "<__main__." + cls + " object at " + address_of(this) + ">";
}

bool PlainObject::truth() {
  if (!bool_hook) return true;
  Value r = bool_hook(Value(self.lock()));
  if (auto b = r.get_if<bool>()) return *b;
  raise("TypeError", "__bool__ should return bool, returned " + executor::type_name(r));
}

Value PlainObject::call(const List& args, const Kwargs& kwargs) {
  if (!call_hook) return Object::call(args, kwargs);
  return call_hook(Value(self.lock()), args, kwargs);
}

Value PlainObject::attr(const std::string& name) {
  std::lock_guard lock(mutex);
  auto it = dict.find(name);
  if (it == dict.end()) attribute_error(cls, name);
  return it->second;
}

void PlainObject::set_attr(const std::string& name, Value value) {
  Value old;
  {
    std::lock_guard lock(mutex);
    Value& slot = dict[name];
    old = std::move(slot);  // released outside the lock (it may run a finalizer)
    slot = std::move(value);
  }
}

void PlainObject::del_attr(const std::string& name) {
  Value old;
  {
    std::lock_guard lock(mutex);
    auto it = dict.find(name);
    if (it == dict.end()) attribute_error(cls, name);
    old = std::move(it->second);
    dict.erase(it);
  }
}

}  // namespace threadspec::executor
