// Values of the scenario language (specs/README.md section 3): None, bool, int, float, str,
// list and objects (threads, locks, ...), with Python 3's str() and repr().
#pragma once

#include <atomic>
#include <concepts>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "pythreading/errors.hpp"

namespace threadspec::executor {

struct Object;
struct Value;
using List = std::vector<Value>;
using ListPtr = std::shared_ptr<List>;
using ObjectPtr = std::shared_ptr<Object>;
/// Keyword arguments in the order given.
using Kwargs = std::vector<std::pair<std::string, Value>>;

/// A scenario value. Lists and objects are references, as in Python: copying a Value shares
/// them. An int is 64-bit (Python's ints are unbounded; arithmetic that leaves the range
/// raises OverflowError, see expressions.hpp).
struct Value {
  std::variant<std::monostate, bool, long long, double, std::string, ListPtr, ObjectPtr> v;

  Value() = default;
  Value(bool b) : v(b) {}                      // NOLINT(google-explicit-constructor)
  Value(long long i) : v(i) {}                 // NOLINT(google-explicit-constructor)
  Value(double d) : v(d) {}                    // NOLINT(google-explicit-constructor)
  Value(std::string s) : v(std::move(s)) {}    // NOLINT(google-explicit-constructor)
  Value(const char* s) : v(std::string(s)) {}  // NOLINT(google-explicit-constructor)
  Value(ListPtr l) : v(std::move(l)) {}        // NOLINT(google-explicit-constructor)
  Value(ObjectPtr o) : v(std::move(o)) {}      // NOLINT(google-explicit-constructor)
  template <class T>
  requires std::derived_from<T, Object> Value(std::shared_ptr<T> o)
      : v(ObjectPtr(std::move(o))) {}  // NOLINT

  [[nodiscard]] bool is_none() const noexcept { return v.index() == 0; }
  template <class T>
  [[nodiscard]] const T* get_if() const noexcept {
    return std::get_if<T>(&v);
  }
  /// The object as T, or nullptr when the value is not such an object.
  template <class T>
  [[nodiscard]] std::shared_ptr<T> object() const {
    auto o = std::get_if<ObjectPtr>(&v);
    return o ? std::dynamic_pointer_cast<T>(*o) : nullptr;
  }
};

/// A Python object the program made or reads (thread, lock, exception, ...). Subclasses
/// override what their Python type has; the defaults raise Python's AttributeError.
/// weakref.finalize(obj, fn): `fn` runs once, when the object is destroyed (in the thread
/// that drops its last reference) or at exit, whichever comes first.
struct Finalizer {
  std::function<void()> fn;
  std::atomic<bool> done{false};
  /// Runs fn unless it has run; never throws (fn reports its own errors).
  void run() noexcept {
    if (!done.exchange(true)) fn();
  }
};

struct Object {
  Object() = default;
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;
  /// Runs the object's pending finalizers.
  virtual ~Object();
  /// Attaches a finalizer (weakref.finalize(self, ...)). Thread-safe.
  void add_finalizer(std::shared_ptr<Finalizer> f);
  /// type(x).__name__, e.g. "Thread", "lock", "Event".
  [[nodiscard]] virtual std::string type_name() const = 0;
  /// The type's name in CPython's error messages (tp_name): type_name() for classes written
  /// in Python ("Event"), "module.name" for C types ("_thread.lock").
  [[nodiscard]] virtual std::string tp_name() const { return type_name(); }
  /// type(x).__module__ ("threading", "_thread", "builtins").
  [[nodiscard]] virtual std::string module_name() const { return "threading"; }
  /// True when type(x) accepts no subclass (a class statement with it as base raises
  /// TypeError), as for a C type without Py_TPFLAGS_BASETYPE.
  [[nodiscard]] virtual bool type_is_final() const { return false; }
  /// repr(x); str(x) is the same unless str() is overridden.
  [[nodiscard]] virtual std::string repr() const;
  [[nodiscard]] virtual std::string str() const { return repr(); }
  /// x.name (a method name calls the method without arguments: the language has no bound
  /// methods). Throws AttributeError as CPython words it.
  virtual Value attr(const std::string& name);
  /// x.name(*args). The default calls attr(name) when args is empty, else raises TypeError.
  virtual Value call_method(const std::string& name, const List& args);
  /// x.name = value. The default raises AttributeError as CPython does for a read-only
  /// attribute of a built-in object.
  virtual void set_attr(const std::string& name, Value value);
  /// del x.name.
  virtual void del_attr(const std::string& name);
  /// Python's `is`: the same Python object (wrappers of one thread are the same object).
  [[nodiscard]] virtual bool is(const Object& other) const { return this == &other; }
  /// len(x); the default raises TypeError("object of type 'T' has no len()").
  [[nodiscard]] virtual long long length() const;
  /// bool(x) (Python's __bool__, else __len__); the default is true.
  [[nodiscard]] virtual bool truth() { return true; }
  /// type(x) when the object's class is a class the program made (TypeObject::made), else
  /// null: type_of() then makes the class from module_name() and type_name().
  [[nodiscard]] virtual ObjectPtr made_class() const { return nullptr; }
  /// x == y for another object; the default is identity (is()).
  [[nodiscard]] virtual bool equals(const Object& other) const { return is(other); }
  /// x[key]; the default raises TypeError("'T' object is not subscriptable").
  virtual Value item(const Value& key);
  /// x[key] = value; the default raises TypeError("'T' object does not support item
  /// assignment").
  virtual void set_item(const Value& key, Value value);
  /// `item in x`; the default raises TypeError("argument of type 'T' is not iterable").
  [[nodiscard]] virtual bool contains(const Value& item);
  /// x(*args, **kwargs); the default raises TypeError("'T' object is not callable").
  virtual Value call(const List& args, const Kwargs& kwargs);

 private:
  std::mutex finalizers_mutex_;
  std::vector<std::shared_ptr<Finalizer>> finalizers_;
};

/// A class (type(x), an exception class, threading.Lock, a `subclass` step's class): prints
/// "<class 'module.name'>", has __name__. `final`: it accepts no subclass. A class of the
/// library or of Python is one per module and name; a class the program makes (a `subclass`
/// step's, an `object` step's) is `made`: it is itself only (two such classes of one name
/// are distinct, as two class statements make two classes).
struct TypeObject : Object {
  TypeObject(std::string module, std::string name, bool final = false, bool made = false)
      : module(std::move(module)), name(std::move(name)), final(final), made(made) {}
  std::string module;
  std::string name;
  bool final;
  bool made;
  [[nodiscard]] std::string type_name() const override { return "type"; }
  [[nodiscard]] std::string module_name() const override { return "builtins"; }
  [[nodiscard]] std::string repr() const override;
  Value attr(const std::string& a) override;
  [[nodiscard]] bool is(const Object& other) const override;
  /// The class's name in CPython's messages and unions: "name" for a builtin, else
  /// "module.name".
  [[nodiscard]] std::string qualified_name() const;
};
/// type(value) as a TypeObject.
[[nodiscard]] ObjectPtr type_of(const Value& value);

/// class NAME(base): pass, in __main__: a new class (made, see TypeObject). Raises TypeError
/// as CPython 3.13's class statement does for a class that accepts no subclass ("type 'T'
/// is not an acceptable base type"); a base that is not a class is outside the format
/// (specs/README.md, the subclass step): TypeError("subclass base must be a class, not 'T'").
[[nodiscard]] ObjectPtr subclass(const std::string& name, const Value& base);

/// types.UnionType, what `A | B` of classes gives from 3.10: str() joins its members (classes
/// and None, each once, in order) with " | ".
struct UnionObject : Object {
  explicit UnionObject(List members) : members(std::move(members)) {}
  List members;
  [[nodiscard]] std::string type_name() const override { return "UnionType"; }
  [[nodiscard]] std::string module_name() const override { return "types"; }
  /// types.UnionType accepts no subclass.
  [[nodiscard]] bool type_is_final() const override { return true; }
  [[nodiscard]] std::string repr() const override;
  /// Unions are == when they have the same members, in any order (Python compares their
  /// members as sets).
  [[nodiscard]] bool equals(const Object& other) const override;
};
/// Python's `a | b`: the bitwise or of integers (a bool of two bools), the union of classes
/// and None (a single class when the union has one member); TypeError("unsupported
/// operand type(s) for |: ...") otherwise.
[[nodiscard]] Value bit_or(const Value& a, const Value& b);

/// A dict (a Timer's kwargs): keys and values in insertion order, keys compared with ==.
/// Every operation takes the dict's own lock, so each is atomic as in Python.
struct DictObject : Object {
  DictObject() = default;
  /// A dict of these keyword arguments.
  explicit DictObject(const Kwargs& kwargs);
  [[nodiscard]] std::string type_name() const override { return "dict"; }
  [[nodiscard]] std::string module_name() const override { return "builtins"; }
  /// "{'foo': 'bar'}": keys and values as repr().
  [[nodiscard]] std::string repr() const override;
  [[nodiscard]] long long length() const override;
  [[nodiscard]] bool truth() override { return length() != 0; }
  /// Equal keys with equal values (order does not matter).
  [[nodiscard]] bool equals(const Object& other) const override;
  /// d[key]; raises KeyError(repr(key)) when absent, TypeError for an unhashable key.
  Value item(const Value& key) override;
  void set_item(const Value& key, Value value) override;
  [[nodiscard]] bool contains(const Value& key) override;
  /// The items as keyword arguments (for f(**d)); raises TypeError("keywords must be
  /// strings") for a key that is not a str.
  [[nodiscard]] Kwargs as_kwargs() const;
  /// A copy of the items, taken under the lock.
  [[nodiscard]] std::vector<std::pair<Value, Value>> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<Value, Value>> items_;
};

/// A copy of a list's items, taken under the lock that every list mutation holds (lists
/// are shared between threads; each Python list operation is atomic).
[[nodiscard]] List snapshot(const ListPtr& list);
/// The list's length, and its item at `index` (nullopt past the end), under that lock.
[[nodiscard]] std::size_t list_size(const ListPtr& list);
[[nodiscard]] std::optional<Value> list_at(const ListPtr& list, std::size_t index);
/// list.append(value).
void list_append(const ListPtr& list, Value value);
/// list[index] = value (a negative index counts from the end); raises IndexError("list
/// assignment index out of range") or TypeError for an index that is not an int.
void list_set_item(const ListPtr& list, const Value& index, Value value);
/// container[key] = value for any value: a list, a dict or another object's set_item;
/// raises TypeError("'T' object does not support item assignment") for other values.
void set_item(const Value& container, const Value& key, Value value);
/// value(*args, **kwargs): an object's call(); raises TypeError("'T' object is not
/// callable") for any other value.
Value call_value(const Value& value, const List& args, const Kwargs& kwargs);

/// Python's KeyError(key): its str() (what(), the text of tracebacks) is repr(key), unlike
/// other exceptions, whose str() is their argument; `key` is the argument (e.args[0]).
class KeyError : public pythreading::Exception {
 public:
  explicit KeyError(Value key);
  Value key;
};

/// Python's SystemExit(code) as sys.exit(code) raises it: `code` is the argument; what() is
/// str(code) ("" for None), the exception's str().
class ProgramExit : public pythreading::SystemExit {
 public:
  explicit ProgramExit(Value code);
  Value code;
};

/// What Python does with an uncaught SystemExit `e` (a ProgramExit, or one raised by type
/// name, whose code is its message, or None when it has none): None exits 0 and an int (a
/// bool too) exits with it, truncated to a C int as CPython does; anything else is written
/// with its str() on the process's stderr and exits 1. `message` is that text, if any.
struct SystemExitOutcome {
  int status = 0;
  std::optional<std::string> message;
};
[[nodiscard]] SystemExitOutcome system_exit_outcome(const pythreading::PythonError& e);

/// Throws pythreading::Exception(type, message): the program raises a Python exception.
[[noreturn]] void raise(const std::string& type, const std::string& message);
/// AttributeError("'TYPE' object has no attribute 'NAME'").
[[noreturn]] void attribute_error(const std::string& type, const std::string& name);

/// type(x).__name__ of any value ("NoneType", "bool", "int", "float", "str", "list", ...).
[[nodiscard]] std::string type_name(const Value& value);
/// Python 3's str(value). A list or dict met again inside its own text prints as `[...]` or
/// `{...}`, as Python's reprs do (the containers being printed are kept per thread).
[[nodiscard]] std::string py_str(const Value& value);
/// Python 3's repr(value).
[[nodiscard]] std::string py_repr(const Value& value);
/// Python's default recursion limit: a call, or a comparison of nested containers, deeper
/// than this raises RecursionError.
inline constexpr int kRecursionLimit = 1000;
/// Whether the calling thread's C++ stack is within a margin of its end (the margin keeps
/// room for the frames below a step: 128 KiB, or an eighth of a small stack), so that deep
/// recursion raises RecursionError instead of overflowing.
[[nodiscard]] bool stack_running_low() noexcept;
/// Python's truth value (bool(value)).
[[nodiscard]] bool truthy(const Value& value);
/// Python's == (numbers compare by value across bool/int/float; lists element-wise; objects
/// by identity, then their equals()). Containers compare identical items as equal, as
/// Python does; comparisons nested deeper than Python's recursion limit (two distinct lists
/// that contain themselves) raise RecursionError("maximum recursion depth exceeded in
/// comparison").
[[nodiscard]] bool equal(const Value& a, const Value& b);
/// Python's `is`: identity for objects and lists, equality of singletons/small values
/// otherwise (None is None, True is True).
[[nodiscard]] bool identical(const Value& a, const Value& b);
/// A number for an argument Python converts with __index__ (bool and int); raises
/// TypeError("'T' object cannot be interpreted as an integer") otherwise.
[[nodiscard]] long long to_index(const Value& value);
/// A float for a seconds argument (bool, int, float); raises TypeError("'T' object cannot
/// be interpreted as an integer"), the text CPython 3.13's time.sleep uses, otherwise.
[[nodiscard]] double to_seconds(const Value& value);

}  // namespace threadspec::executor
