// bench/bench_raw.cpp: the baselines: raw pthread, std::thread / std::jthread, thread_local,
// std::mutex / std::recursive_mutex, std::condition_variable.
#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.hpp"

namespace tsbench {
namespace {

void* empty_routine(void*) { return nullptr; }

bool spawn(pthread_t* t, void* (*fn)(void*), void* arg) {
  return pthread_create(t, nullptr, fn, arg) == 0;
}

void BM_SpawnJoin_pthread(benchmark::State& st) {
  for (auto _ : st) {
    pthread_t t;
    if (!spawn(&t, empty_routine, nullptr)) {
      st.SkipWithError("pthread_create failed");
      break;
    }
    pthread_join(t, nullptr);
  }
}

void BM_SpawnJoin_std_thread(benchmark::State& st) {
  for (auto _ : st) {
    std::thread t([] {});
    t.join();
  }
}

void BM_SpawnJoin_std_jthread(benchmark::State& st) {
  for (auto _ : st) {
    std::jthread t([] {});
    t.join();
  }
}

void BM_SpawnJoinBatch_pthread(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  std::vector<pthread_t> ts(n);
  for (auto _ : st) {
    for (std::size_t i = 0; i < n; ++i) {
      if (!spawn(&ts[i], empty_routine, nullptr)) {
        st.SkipWithError("pthread_create failed");
        for (std::size_t j = 0; j < i; ++j) pthread_join(ts[j], nullptr);
        return;
      }
    }
    for (auto& t : ts) pthread_join(t, nullptr);
  }
  st.SetItemsProcessed(st.iterations() * static_cast<std::int64_t>(n));
}

void BM_CurrentThread_pthread_self(benchmark::State& st) {
  for (auto _ : st) benchmark::DoNotOptimize(pthread_self());
}

thread_local int tl_value = 0;

void BM_LocalGet_thread_local(benchmark::State& st) {
  tl_value = 1;
  for (auto _ : st) {
    int v = tl_value;
    benchmark::DoNotOptimize(v);
    benchmark::ClobberMemory();
  }
}

void BM_LocalSet_thread_local(benchmark::State& st) {
  int i = 0;
  for (auto _ : st) {
    tl_value = ++i;
    benchmark::ClobberMemory();
  }
}

template <class M>
void lock_uncontended(benchmark::State& st) {
  M m;
  for (auto _ : st) {
    m.lock();
    benchmark::ClobberMemory();
    m.unlock();
  }
}

void BM_LockContended_std_mutex(benchmark::State& st) {
  const int helpers = static_cast<int>(st.range(0)) - 1;
  // The lock and the stop flag on cache lines of their own: the helpers read the flag on
  // every round, which must not slow the lock's line down.
  alignas(64) std::mutex m;
  alignas(64) std::atomic<bool> stop{false};
  std::vector<std::thread> ts;
  for (int i = 0; i < helpers; ++i)
    ts.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        m.lock();
        m.unlock();
      }
    });
  for (auto _ : st) {
    m.lock();
    benchmark::ClobberMemory();
    m.unlock();
  }
  stop = true;
  for (auto& t : ts) t.join();
}

/// Two threads hand a turn back and forth through one mutex + condition variable; one
/// iteration is a round trip (main -> partner -> main).
void BM_EventPingPong_condvar(benchmark::State& st) {
  std::mutex m;
  std::condition_variable cv;
  int turn = 0;  // 0: main's turn, 1: partner's, 2: stop
  // Each side notifies after releasing the mutex, so the woken thread does not block on it.
  std::thread partner([&] {
    for (;;) {
      std::unique_lock<std::mutex> l(m);
      cv.wait(l, [&] { return turn != 0; });
      if (turn == 2) return;
      turn = 0;
      l.unlock();
      cv.notify_one();
    }
  });
  for (auto _ : st) {
    {
      std::lock_guard<std::mutex> l(m);
      turn = 1;
    }
    cv.notify_one();
    std::unique_lock<std::mutex> l(m);
    cv.wait(l, [&] { return turn == 0; });
  }
  {
    std::lock_guard<std::mutex> l(m);
    turn = 2;
  }
  cv.notify_one();
  partner.join();
}

/// notify_one() with no waiter, holding the lock (Python's `with cond: cond.notify()`).
void BM_ConditionNotify_condvar(benchmark::State& st) {
  std::mutex m;
  std::condition_variable cv;
  for (auto _ : st) {
    std::lock_guard<std::mutex> l(m);
    cv.notify_one();
  }
}

struct CpuArg {
  std::uint64_t units, seed, out;
};

void* cpu_routine(void* p) {
  auto* a = static_cast<CpuArg*>(p);
  a->out = cpu_work(a->units, a->seed);
  return nullptr;
}

void BM_CpuBound_pthread(benchmark::State& st, std::uint64_t total) {
  const auto n = static_cast<std::size_t>(st.range(0));
  std::vector<pthread_t> ts(n);
  std::vector<CpuArg> args(n);
  for (auto _ : st) {
    for (std::size_t i = 0; i < n; ++i) {
      args[i] = CpuArg{total / n, i + 1, 0};
      if (!spawn(&ts[i], cpu_routine, &args[i])) {
        st.SkipWithError("pthread_create failed");
        for (std::size_t j = 0; j < i; ++j) pthread_join(ts[j], nullptr);
        return;
      }
    }
    for (auto& t : ts) pthread_join(t, nullptr);
    benchmark::DoNotOptimize(args.data());
  }
}

}  // namespace

void register_raw(const Config& cfg) {
  reg("BM_SpawnJoin/pthread", BM_SpawnJoin_pthread);
  reg("BM_SpawnJoin/std_thread", BM_SpawnJoin_std_thread);
  reg("BM_SpawnJoin/std_jthread", BM_SpawnJoin_std_jthread);
  for (int n : cfg.batch) reg("BM_SpawnJoinBatch/pthread", BM_SpawnJoinBatch_pthread)->Arg(n);
  reg("BM_CurrentThread/pthread_self", BM_CurrentThread_pthread_self);
  reg("BM_LocalGet/thread_local", BM_LocalGet_thread_local);
  reg("BM_LocalSet/thread_local", BM_LocalSet_thread_local);
  reg("BM_LockUncontended/std_mutex", lock_uncontended<std::mutex>);
  for (int n : cfg.contended) reg("BM_LockContended/std_mutex", BM_LockContended_std_mutex)->Arg(n);
  reg("BM_RLockUncontended/std_recursive_mutex", lock_uncontended<std::recursive_mutex>);
  reg("BM_EventPingPong/condvar", BM_EventPingPong_condvar);
  reg("BM_ConditionNotify/condvar", BM_ConditionNotify_condvar);
  const std::uint64_t work = cfg.cpu_work;
  for (int n : cfg.cpu_threads)
    reg("BM_CpuBound/pthread", [work](benchmark::State& st) {
      BM_CpuBound_pthread(st, work);
    })->Arg(n);
}

}  // namespace tsbench
