// pythreading/local.hpp: threading.local as a typed per-thread value.
//
// Python:                          C++:
//   data = threading.local()         pythreading::local<Data> data;   // or local<T>(factory)
//   data.x = 1                       data->x = 1;  /  data.get().x = 1;
//   hasattr(data, "x")               data.has_value()  (before first access: AttributeError)
//   del data.x                       data.reset();
//
// Each thread sees its own T, created on its first access in that thread (get(), ->, *) by
// default construction or by the factory, which runs in the accessing thread. A value is
// destroyed, in its thread, when that thread ends: for threads started by pythreading just
// before the thread counts as finished (so after join() returns, the joined thread's values
// are gone); for other threads (main, std::thread) by a thread_local destructor. Destroying
// the local<T> destroys every thread's value at once, in the destroying thread; it must not
// race with accesses to the same local<T> from other threads (as with any object).
//
// Thread safety: get/has_value/reset may be called concurrently from any threads; each only
// touches the calling thread's value. The values themselves are per-thread and need no lock.
// The fast path of get() is a lookup in a thread_local hash map (no lock).
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

namespace pythreading {
namespace detail {

/// Type-erased per-thread value.
struct LocalValue {
  virtual ~LocalValue() = default;
};

struct LocalKey;  // thread.cpp

/// The untyped machinery of local<T>.
class LocalCore {
 public:
  LocalCore();
  ~LocalCore();  // destroys every thread's value
  LocalCore(const LocalCore&) = delete;
  LocalCore& operator=(const LocalCore&) = delete;

  /// The calling thread's value, or nullptr.
  [[nodiscard]] LocalValue* find() const noexcept;
  /// Stores v as the calling thread's value (none must exist) and returns it.
  LocalValue* insert(std::unique_ptr<LocalValue> v);
  /// Destroys the calling thread's value, if any.
  void erase() noexcept;

 private:
  std::uint64_t id_;
  std::shared_ptr<LocalKey> key_;
};

template <class T>
struct LocalHolder final : LocalValue {
  template <class... A>
  explicit LocalHolder(A&&... a) : value(std::forward<A>(a)...) {}
  T value;
};

}  // namespace detail

/// threading.local holding one T per thread. Not copyable or movable (share it by reference
/// or shared_ptr, as Python shares the local object).
template <class T>
class local {
 public:
  /// Values are default-constructed on first access in each thread.
  // (clang-format 14 mangles requires-clauses)
  // clang-format off
  local()
    requires std::default_initializable<T>
      // clang-format on
      : make_([] { return std::make_unique<detail::LocalHolder<T>>(); }) {}
  /// Values are factory() on first access in each thread (the factory runs in that thread;
  /// if it throws, nothing is stored and the exception propagates from get()).
  explicit local(std::function<T()> factory)
      : make_([f = std::move(factory)] { return std::make_unique<detail::LocalHolder<T>>(f()); }) {}
  local(const local&) = delete;
  local& operator=(const local&) = delete;

  /// The calling thread's value, created if absent.
  T& get() {
    if (auto* v = core_.find()) return static_cast<detail::LocalHolder<T>*>(v)->value;
    return static_cast<detail::LocalHolder<T>*>(core_.insert(make_()))->value;
  }
  T& operator*() { return get(); }
  T* operator->() { return &get(); }
  /// Whether the calling thread has a value (false before its first access, after reset()).
  [[nodiscard]] bool has_value() const noexcept { return core_.find() != nullptr; }
  /// Destroys the calling thread's value (the next access creates a fresh one).
  void reset() noexcept { core_.erase(); }

 private:
  std::function<std::unique_ptr<detail::LocalHolder<T>>()> make_;
  detail::LocalCore core_;
};

}  // namespace pythreading
