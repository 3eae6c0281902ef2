#include "value.hpp"

#include <pthread.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace threadspec::executor {

void raise(const std::string& type, const std::string& message) {
  throw pythreading::Exception(type, message);
}

void attribute_error(const std::string& type, const std::string& name) {
  raise("AttributeError", "'" + type + "' object has no attribute '" + name + "'");
}

Object::~Object() {
  for (auto& f : finalizers_) f->run();
}

void Object::add_finalizer(std::shared_ptr<Finalizer> f) {
  std::lock_guard lock(finalizers_mutex_);
  finalizers_.push_back(std::move(f));
}

std::string Object::repr() const { return "<" + tp_name() + " object>"; }

Value Object::attr(const std::string& name) { attribute_error(tp_name(), name); }

Value Object::call_method(const std::string& name, const List& args) {
  Value v = attr(name);
  if (!args.empty()) raise("TypeError", "'" + executor::type_name(v) + "' object is not callable");
  return v;
}

void Object::set_attr(const std::string& name, Value) {
  raise("AttributeError", "'" + tp_name() + "' object has no attribute '" + name +
                              "' and no __dict__ for setting new attributes");
}

void Object::del_attr(const std::string& name) { attribute_error(tp_name(), name); }

long long Object::length() const {
  raise("TypeError", "object of type '" + type_name() + "' has no len()");
}

KeyError::KeyError(Value k) : pythreading::Exception("KeyError", py_repr(k)), key(std::move(k)) {}

ProgramExit::ProgramExit(Value c)
    : pythreading::SystemExit(c.is_none() ? "" : py_str(c)), code(std::move(c)) {}

SystemExitOutcome system_exit_outcome(const pythreading::PythonError& e) {
  const auto* exit = dynamic_cast<const ProgramExit*>(&e);
  if (!exit) {  // raised by type name: its code is its message, or None without one
    const std::string message = e.what();
    if (message.empty()) return {};
    return {1, message};
  }
  if (exit->code.is_none()) return {};
  if (const bool* b = exit->code.get_if<bool>()) return {*b ? 1 : 0, std::nullopt};
  if (const long long* n = exit->code.get_if<long long>())
    return {static_cast<int>(*n), std::nullopt};
  return {1, py_str(exit->code)};
}

Value Object::item(const Value&) {
  raise("TypeError", "'" + type_name() + "' object is not subscriptable");
}

void Object::set_item(const Value&, Value) {
  raise("TypeError", "'" + type_name() + "' object does not support item assignment");
}

bool Object::contains(const Value&) {
  raise("TypeError", "argument of type '" + type_name() + "' is not iterable");
}

Value Object::call(const List&, const Kwargs&) {
  raise("TypeError", "'" + type_name() + "' object is not callable");
}

bool stack_running_low() noexcept {
  thread_local const std::uintptr_t floor = [] {  // the lowest address kept; 0 when unknown
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return std::uintptr_t{0};
    void* addr = nullptr;
    std::size_t size = 0;
    pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
    const std::size_t margin = std::min<std::size_t>(128 * 1024, size / 8);
    return reinterpret_cast<std::uintptr_t>(addr) + margin;
  }();
  char here = 0;
  return reinterpret_cast<std::uintptr_t>(&here) < floor;
}

namespace {
/// The lists and dicts whose text this thread is making (Python's Py_ReprEnter): one met
/// again inside its own text prints as "[...]" or "{...}".
thread_local std::vector<const void*> tl_printing;

/// Marks a container as being printed while alive; `reentered` when it already was.
class PrintGuard {
 public:
  explicit PrintGuard(const void* container)
      : reentered(std::find(tl_printing.begin(), tl_printing.end(), container) !=
                  tl_printing.end()) {
    if (!reentered) tl_printing.push_back(container);
  }
  ~PrintGuard() {
    if (!reentered) tl_printing.pop_back();
  }
  PrintGuard(const PrintGuard&) = delete;
  PrintGuard& operator=(const PrintGuard&) = delete;
  const bool reentered;
};

/// Nested container comparisons active in this thread.
thread_local int tl_compare_depth = 0;

/// Counts one nested comparison while alive; raises RecursionError as CPython does beyond
/// the recursion limit (or when the C++ stack runs low).
class CompareGuard {
 public:
  CompareGuard() {
    if (tl_compare_depth + 1 > kRecursionLimit || stack_running_low()) {
      raise("RecursionError", "maximum recursion depth exceeded in comparison");
    }
    ++tl_compare_depth;
  }
  ~CompareGuard() { --tl_compare_depth; }
  CompareGuard(const CompareGuard&) = delete;
  CompareGuard& operator=(const CompareGuard&) = delete;
};
}  // namespace

// ------------------------------------------------------------------ lists
namespace {
/// The lock of every list operation (Python's are atomic; lists are shared by threads).
std::mutex& list_mutex() {
  static std::mutex m;
  return m;
}
}  // namespace

List snapshot(const ListPtr& list) {
  std::lock_guard lock(list_mutex());
  return *list;
}

std::size_t list_size(const ListPtr& list) {
  std::lock_guard lock(list_mutex());
  return list->size();
}

std::optional<Value> list_at(const ListPtr& list, std::size_t index) {
  std::lock_guard lock(list_mutex());
  if (index >= list->size()) return std::nullopt;
  return (*list)[index];
}

void list_append(const ListPtr& list, Value value) {
  std::lock_guard lock(list_mutex());
  list->push_back(std::move(value));
}

void list_set_item(const ListPtr& list, const Value& index, Value value) {
  if (!index.get_if<long long>() && !index.get_if<bool>()) {
    raise("TypeError", "list indices must be integers or slices, not " + type_name(index));
  }
  long long i = to_index(index);
  bool stored = false;
  {
    std::lock_guard lock(list_mutex());
    const auto size = static_cast<long long>(list->size());
    if (i < 0) i += size;
    if (i >= 0 && i < size) {
      std::swap((*list)[static_cast<std::size_t>(i)], value);  // the old value dies unlocked
      stored = true;
    }
  }
  if (!stored) raise("IndexError", "list assignment index out of range");
}

void set_item(const Value& container, const Value& key, Value value) {
  if (auto l = container.get_if<ListPtr>()) return list_set_item(*l, key, std::move(value));
  if (auto o = container.get_if<ObjectPtr>()) return (*o)->set_item(key, std::move(value));
  raise("TypeError", "'" + type_name(container) + "' object does not support item assignment");
}

Value call_value(const Value& value, const List& args, const Kwargs& kwargs) {
  if (auto o = value.get_if<ObjectPtr>()) return (*o)->call(args, kwargs);
  raise("TypeError", "'" + type_name(value) + "' object is not callable");
}

// ------------------------------------------------------------------ dicts
namespace {
/// Raises TypeError("unhashable type: 'T'") for a key Python cannot hash.
void check_hashable(const Value& key) {
  if (key.get_if<ListPtr>()) raise("TypeError", "unhashable type: 'list'");
  if (auto o = key.get_if<ObjectPtr>(); o && dynamic_cast<const DictObject*>(o->get())) {
    raise("TypeError", "unhashable type: 'dict'");
  }
}
}  // namespace

DictObject::DictObject(const Kwargs& kwargs) {
  for (const auto& [k, v] : kwargs) items_.emplace_back(Value(k), v);
}

std::vector<std::pair<Value, Value>> DictObject::snapshot() const {
  std::lock_guard lock(mutex_);
  return items_;
}

std::string DictObject::repr() const {
  const PrintGuard guard(this);
  if (guard.reentered) return "{...}";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : snapshot()) {
    out += (first ? "" : ", ") + py_repr(k) + ": " + py_repr(v);
    first = false;
  }
  return out + "}";
}

long long DictObject::length() const {
  std::lock_guard lock(mutex_);
  return static_cast<long long>(items_.size());
}

bool DictObject::equals(const Object& other) const {
  auto d = dynamic_cast<const DictObject*>(&other);
  if (!d) return false;
  if (d == this) return true;
  const CompareGuard guard;
  const auto mine = snapshot();
  const auto theirs = d->snapshot();
  if (mine.size() != theirs.size()) return false;
  for (const auto& [k, v] : mine) {
    bool found = false;
    for (const auto& [k2, v2] : theirs) {
      if (equal(k, k2)) {
        found = identical(v, v2) || equal(v, v2);
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

Value DictObject::item(const Value& key) {
  check_hashable(key);
  for (const auto& [k, v] : snapshot()) {
    if (equal(k, key)) return v;
  }
  throw KeyError(key);
}

void DictObject::set_item(const Value& key, Value value) {
  check_hashable(key);
  std::lock_guard lock(mutex_);
  for (auto& [k, v] : items_) {
    if (equal(k, key)) {
      std::swap(v, value);  // the old value is released after the lock
      return;
    }
  }
  items_.emplace_back(key, std::move(value));
}

bool DictObject::contains(const Value& key) {
  check_hashable(key);
  for (const auto& [k, v] : snapshot()) {
    if (equal(k, key)) return true;
  }
  return false;
}

Kwargs DictObject::as_kwargs() const {
  Kwargs out;
  for (const auto& [k, v] : snapshot()) {
    auto s = k.get_if<std::string>();
    if (!s) raise("TypeError", "keywords must be strings");
    out.emplace_back(*s, v);
  }
  return out;
}

std::string TypeObject::qualified_name() const {
  return module == "builtins" ? name : module + "." + name;
}

std::string TypeObject::repr() const { return "<class '" + qualified_name() + "'>"; }

Value TypeObject::attr(const std::string& a) {
  if (a == "__name__") return {name};
  if (a == "__module__") return {module};
  if (a == "__qualname__") return {name};
  return Object::attr(a);
}

bool TypeObject::is(const Object& other) const {
  if (made) return this == &other;
  auto t = dynamic_cast<const TypeObject*>(&other);
  return t && !t->made && t->module == module && t->name == name;
}

ObjectPtr type_of(const Value& value) {
  if (auto o = value.get_if<ObjectPtr>()) {
    if (ObjectPtr made = (*o)->made_class()) return made;
    return std::make_shared<TypeObject>((*o)->module_name(), (*o)->type_name(),
                                        (*o)->type_is_final());
  }
  const std::string name = type_name(value);
  return std::make_shared<TypeObject>("builtins", name, name == "bool" || name == "NoneType");
}

ObjectPtr subclass(const std::string& name, const Value& base) {
  const auto cls = base.object<TypeObject>();
  if (!cls) raise("TypeError", "subclass base must be a class, not '" + type_name(base) + "'");
  if (cls->final) {
    raise("TypeError", "type '" + cls->qualified_name() + "' is not an acceptable base type");
  }
  return std::make_shared<TypeObject>("__main__", name, false, true);
}

bool UnionObject::equals(const Object& other) const {
  auto u = dynamic_cast<const UnionObject*>(&other);
  if (!u || u->members.size() != members.size()) return false;  // members are distinct
  for (const Value& m : members) {
    bool found = false;
    for (const Value& n : u->members) found = found || identical(m, n);
    if (!found) return false;
  }
  return true;
}

std::string UnionObject::repr() const {
  std::string out;
  for (const auto& m : members) {
    if (!out.empty()) out += " | ";
    out += m.is_none() ? "None" : m.object<TypeObject>()->qualified_name();
  }
  return out;
}

Value bit_or(const Value& a, const Value& b) {
  auto integral = [](const Value& v) { return v.get_if<bool>() || v.get_if<long long>(); };
  if (a.get_if<bool>() && b.get_if<bool>()) return {*a.get_if<bool>() || *b.get_if<bool>()};
  if (integral(a) && integral(b)) return {to_index(a) | to_index(b)};
  // A union needs a class (or a union) on one side; None may be the other.
  auto member = [](const Value& v) {
    return v.is_none() || v.object<TypeObject>() || v.object<UnionObject>();
  };
  if (member(a) && member(b) && !(a.is_none() && b.is_none())) {
    List members;
    for (const Value* side : {&a, &b}) {
      const auto u = side->object<UnionObject>();
      for (const Value& m : u ? u->members : List{*side}) {
        bool seen = false;
        for (const Value& old : members) seen = seen || identical(old, m);
        if (!seen) members.push_back(m);
      }
    }
    if (members.size() == 1) return members.front();  // int | int is int
    return {std::make_shared<UnionObject>(std::move(members))};
  }
  raise("TypeError",
        "unsupported operand type(s) for |: '" + type_name(a) + "' and '" + type_name(b) + "'");
}

std::string type_name(const Value& value) {
  switch (value.v.index()) {
    case 0:
      return "NoneType";
    case 1:
      return "bool";
    case 2:
      return "int";
    case 3:
      return "float";
    case 4:
      return "str";
    case 5:
      return "list";
    default:
      return std::get<ObjectPtr>(value.v)->type_name();
  }
}

namespace {

std::string float_str(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (std::isnan(d)) return "nan";
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {  // shortest repr that round-trips
    std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  std::string s = buf;
  // Python switches to exponent notation at 1e16 and below 1e-4, with at least two
  // exponent digits, as %g does; a number without '.' or exponent gets ".0".
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

std::string py_str(const Value& value) {
  const auto& v = value.v;
  switch (v.index()) {
    case 0:
      return "None";
    case 1:
      return std::get<bool>(v) ? "True" : "False";
    case 2:
      return std::to_string(std::get<long long>(v));
    case 3:
      return float_str(std::get<double>(v));
    case 4:
      return std::get<std::string>(v);
    case 5: {
      const PrintGuard guard(std::get<ListPtr>(v).get());
      if (guard.reentered) return "[...]";
      const List list = snapshot(std::get<ListPtr>(v));
      std::string out = "[";
      for (std::size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + py_repr(list[i]);
      return out + "]";
    }
    default:
      return std::get<ObjectPtr>(v)->str();
  }
}

std::string py_repr(const Value& value) {
  if (auto s = value.get_if<std::string>()) {
    const bool dq = s->find('\'') != std::string::npos && s->find('"') == std::string::npos;
    std::string out(1, dq ? '"' : '\'');
    for (unsigned char c : *s) {
      if (c == '\\') {
        out += "\\\\";
      } else if (c == '\'' && !dq) {
        out += "\\'";
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c < 0x20 || c == 0x7f) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
    return out + (dq ? '"' : '\'');
  }
  if (auto o = value.get_if<ObjectPtr>()) return (*o)->repr();
  return py_str(value);
}

bool truthy(const Value& value) {
  const auto& v = value.v;
  switch (v.index()) {
    case 0:
      return false;
    case 1:
      return std::get<bool>(v);
    case 2:
      return std::get<long long>(v) != 0;
    case 3:
      return std::get<double>(v) != 0.0;
    case 4:
      return !std::get<std::string>(v).empty();
    case 5:
      return list_size(std::get<ListPtr>(v)) != 0;
    default:
      return std::get<ObjectPtr>(v)->truth();
  }
}

namespace {
/// The value as a double when it is a number (bool, int, float).
bool as_number(const Value& value, double& out, bool& is_float) {
  if (auto b = value.get_if<bool>()) {
    out = *b ? 1 : 0;
    is_float = false;
    return true;
  }
  if (auto i = value.get_if<long long>()) {
    out = static_cast<double>(*i);
    is_float = false;
    return true;
  }
  if (auto d = value.get_if<double>()) {
    out = *d;
    is_float = true;
    return true;
  }
  return false;
}
long long int_of(const Value& value) {
  if (auto b = value.get_if<bool>()) return *b ? 1 : 0;
  return std::get<long long>(value.v);
}
}  // namespace

bool equal(const Value& a, const Value& b) {
  double x = 0, y = 0;
  bool fx = false, fy = false;
  if (as_number(a, x, fx) && as_number(b, y, fy)) {
    if (!fx && !fy) return int_of(a) == int_of(b);
    return x == y;
  }
  if (a.v.index() != b.v.index()) return false;
  if (auto s = a.get_if<std::string>()) return *s == std::get<std::string>(b.v);
  if (auto l = a.get_if<ListPtr>()) {
    const auto& r = std::get<ListPtr>(b.v);
    if (*l == r) return true;
    const CompareGuard guard;
    const List x = snapshot(*l);
    const List y = snapshot(r);
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < y.size(); ++i) {
      if (!identical(x[i], y[i]) && !equal(x[i], y[i])) return false;
    }
    return true;
  }
  if (auto o = a.get_if<ObjectPtr>())
    return identical(a, b) || (*o)->equals(*std::get<ObjectPtr>(b.v));
  return a.is_none();
}

bool identical(const Value& a, const Value& b) {
  if (a.v.index() != b.v.index()) return false;
  switch (a.v.index()) {
    case 0:
      return true;
    case 1:
      return std::get<bool>(a.v) == std::get<bool>(b.v);
    case 5:
      return std::get<ListPtr>(a.v) == std::get<ListPtr>(b.v);
    case 6: {
      const auto& x = std::get<ObjectPtr>(a.v);
      const auto& y = std::get<ObjectPtr>(b.v);
      return x == y || x->is(*y);
    }
    default:
      return equal(a, b);
  }
}

long long to_index(const Value& value) {
  if (auto b = value.get_if<bool>()) return *b ? 1 : 0;
  if (auto i = value.get_if<long long>()) return *i;
  raise("TypeError", "'" + type_name(value) + "' object cannot be interpreted as an integer");
}

double to_seconds(const Value& value) {
  if (auto d = value.get_if<double>()) return *d;
  if (value.get_if<bool>() || value.get_if<long long>())
    return static_cast<double>(to_index(value));
  raise("TypeError", "'" + type_name(value) + "' object cannot be interpreted as an integer");
}

}  // namespace threadspec::executor
