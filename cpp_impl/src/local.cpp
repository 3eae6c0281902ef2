// threading.local: per-thread values of local<T> (see local.hpp for the contract).
//
// Each thread has a hash map from local id to its value (lock-free lookups); each local
// keeps the values of every thread (so destroying the local destroys them all) under its
// own mutex. A thread's values are destroyed when it ends: local_thread_exit() for threads
// started by pythreading (before they count as finished), a thread_local destructor for
// the others.
#include "pythreading/local.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <unordered_map>

#include "internal/local_exit.hpp"
#include "pythreading/thread_annotations.hpp"

namespace pythreading {

using detail::AnnotatedLock;
using detail::AnnotatedMutex;

namespace {

struct LocalSlots;
thread_local LocalSlots* tls_slots = nullptr;
std::atomic<std::uint64_t> g_local_ids{1};

}  // namespace

namespace detail {
struct LocalKey {
  AnnotatedMutex mu;
  bool alive PYTHREADING_GUARDED_BY(mu) = true;
  std::unordered_map<const void*, std::unique_ptr<LocalValue>> values PYTHREADING_GUARDED_BY(mu);
};
}  // namespace detail

namespace {

struct LocalSlots {
  struct Entry {
    std::shared_ptr<detail::LocalKey> key;
    detail::LocalValue* value;
  };
  std::unordered_map<std::uint64_t, Entry> map;
  std::size_t sweep_at = 64;

  /// Destroys this thread's values (value destructors may create new ones: a few rounds).
  void clear() noexcept {
    for (int round = 0; round < 4 && !map.empty(); ++round) {
      auto entries = std::move(map);
      map.clear();
      for (auto& [id, e] : entries) {
        if (!e.key) continue;
        std::unique_ptr<detail::LocalValue> v;
        {
          AnnotatedLock lock(e.key->mu);
          auto it = e.key->values.find(this);
          if (it != e.key->values.end()) {
            v = std::move(it->second);
            e.key->values.erase(it);
          }
        }
        v.reset();
      }
    }
  }
  /// Forgets entries of destroyed locals (their values are gone already).
  void sweep() {
    for (auto it = map.begin(); it != map.end();) {
      bool alive = false;
      if (it->second.key) {
        AnnotatedLock lock(it->second.key->mu);
        alive = it->second.key->alive;
      }
      it = alive ? std::next(it) : map.erase(it);
    }
    sweep_at = std::max<std::size_t>(64, map.size() * 2);
  }
  ~LocalSlots() {
    clear();
    tls_slots = nullptr;
  }
};

LocalSlots& slots() {
  if (tls_slots == nullptr) {
    static thread_local LocalSlots holder;
    tls_slots = &holder;
  }
  return *tls_slots;
}

}  // namespace

namespace internal {
void local_thread_exit() noexcept {
  if (tls_slots != nullptr) tls_slots->clear();
}
}  // namespace internal

namespace detail {

LocalCore::LocalCore()
    : id_(g_local_ids.fetch_add(1, std::memory_order_relaxed)),
      key_(std::make_shared<LocalKey>()) {}

LocalCore::~LocalCore() {
  std::unordered_map<const void*, std::unique_ptr<LocalValue>> doomed;
  {
    AnnotatedLock lock(key_->mu);
    key_->alive = false;
    doomed = std::move(key_->values);
    key_->values.clear();
  }
  if (tls_slots != nullptr) tls_slots->map.erase(id_);
  doomed.clear();
}

LocalValue* LocalCore::find() const noexcept {
  if (tls_slots == nullptr) return nullptr;
  auto it = tls_slots->map.find(id_);
  return it == tls_slots->map.end() ? nullptr : it->second.value;
}

LocalValue* LocalCore::insert(std::unique_ptr<LocalValue> v) {
  LocalSlots& s = slots();
  if (s.map.size() >= s.sweep_at) s.sweep();
  LocalValue* raw = v.get();
  auto& entry = s.map[id_];  // may throw bad_alloc before anything is shared
  {
    AnnotatedLock lock(key_->mu);
    key_->values[&s] = std::move(v);
  }
  entry = LocalSlots::Entry{key_, raw};
  return raw;
}

void LocalCore::erase() noexcept {
  if (tls_slots == nullptr) return;
  if (tls_slots->map.erase(id_) == 0) return;
  std::unique_ptr<LocalValue> v;
  {
    AnnotatedLock lock(key_->mu);
    auto it = key_->values.find(tls_slots);
    if (it != key_->values.end()) {
      v = std::move(it->second);
      key_->values.erase(it);
    }
  }
}

}  // namespace detail
}  // namespace pythreading
