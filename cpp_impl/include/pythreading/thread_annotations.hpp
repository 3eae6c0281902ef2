// pythreading/thread_annotations.hpp: Clang thread-safety annotations.
//
// The macros expand to Clang's -Wthread-safety attributes when compiling with Clang and to
// nothing elsewhere (GCC ignores them). detail::AnnotatedMutex / detail::AnnotatedLock are a
// std::mutex and a scoped lock declared as capabilities, because libstdc++'s std::mutex is not
// annotated. Every macro is prefixed PYTHREADING_ so it cannot clash with abseil or others.
#pragma once

#include <mutex>

#if defined(__clang__)
#define PYTHREADING_TSA(x) __attribute__((x))
#else
#define PYTHREADING_TSA(x)
#endif

#define PYTHREADING_CAPABILITY(x) PYTHREADING_TSA(capability(x))
#define PYTHREADING_SCOPED_CAPABILITY PYTHREADING_TSA(scoped_lockable)
#define PYTHREADING_GUARDED_BY(x) PYTHREADING_TSA(guarded_by(x))
#define PYTHREADING_PT_GUARDED_BY(x) PYTHREADING_TSA(pt_guarded_by(x))
#define PYTHREADING_REQUIRES(...) PYTHREADING_TSA(requires_capability(__VA_ARGS__))
#define PYTHREADING_EXCLUDES(...) PYTHREADING_TSA(locks_excluded(__VA_ARGS__))
#define PYTHREADING_ACQUIRE(...) PYTHREADING_TSA(acquire_capability(__VA_ARGS__))
#define PYTHREADING_RELEASE(...) PYTHREADING_TSA(release_capability(__VA_ARGS__))
#define PYTHREADING_TRY_ACQUIRE(...) PYTHREADING_TSA(try_acquire_capability(__VA_ARGS__))
#define PYTHREADING_RETURN_CAPABILITY(x) PYTHREADING_TSA(lock_returned(x))
#define PYTHREADING_NO_THREAD_SAFETY_ANALYSIS PYTHREADING_TSA(no_thread_safety_analysis)

namespace pythreading::detail {

/// A std::mutex that Clang's thread-safety analysis knows as a capability.
class PYTHREADING_CAPABILITY("mutex") AnnotatedMutex {
 public:
  void lock() PYTHREADING_ACQUIRE() { m_.lock(); }
  void unlock() PYTHREADING_RELEASE() { m_.unlock(); }
  bool try_lock() PYTHREADING_TRY_ACQUIRE(true) { return m_.try_lock(); }
  /// The underlying mutex, for std::condition_variable (use with care: no analysis).
  std::mutex& native() noexcept { return m_; }

 private:
  std::mutex m_;
};

/// Scoped lock of an AnnotatedMutex (std::lock_guard with annotations).
class PYTHREADING_SCOPED_CAPABILITY AnnotatedLock {
 public:
  explicit AnnotatedLock(AnnotatedMutex& m) PYTHREADING_ACQUIRE(m) : m_(m) { m_.lock(); }
  ~AnnotatedLock() PYTHREADING_RELEASE() { m_.unlock(); }
  AnnotatedLock(const AnnotatedLock&) = delete;
  AnnotatedLock& operator=(const AnnotatedLock&) = delete;

 private:
  AnnotatedMutex& m_;
};

}  // namespace pythreading::detail
