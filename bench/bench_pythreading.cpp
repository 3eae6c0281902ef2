// bench/bench_pythreading.cpp: pythreading's threads, registry, local<T> and synchronisation
// primitives.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.hpp"
#include "pythreading/local.hpp"
#include "pythreading/sync.hpp"
#include "pythreading/thread.hpp"

namespace tsbench {

namespace {
namespace pt = pythreading;

void spawn_join(benchmark::State& st, bool daemon) {
  for (auto _ : st) {
    pt::Thread t(pt::ThreadOptions{.daemon = daemon}, [] {});
    t.start();
    t.join();
  }
}

void BM_SpawnJoinBatch_pythreading(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  std::vector<pt::Thread> ts;
  ts.reserve(n);
  for (auto _ : st) {
    for (std::size_t i = 0; i < n; ++i) {
      ts.emplace_back([] {});
      ts.back().start();
    }
    for (auto& t : ts) t.join();
    ts.clear();
  }
  st.SetItemsProcessed(st.iterations() * static_cast<std::int64_t>(n));
}

void BM_CurrentThread_pythreading(benchmark::State& st) {
  for (auto _ : st) benchmark::DoNotOptimize(pt::current_thread());
}

/// n - 1 pythreading threads parked on a gate, so that active_count() == n (main included).
class Parked {
 public:
  explicit Parked(std::size_t live) {
    const std::size_t old = pt::stack_size(256 * 1024);
    for (std::size_t i = 1; i < live; ++i) {
      threads_.emplace_back([this] { gate_.wait(); });
      threads_.back().start();
    }
    pt::stack_size(old);
  }
  ~Parked() {
    gate_.open();
    for (auto& t : threads_) t.join();
  }

 private:
  Gate gate_;
  std::vector<pt::Thread> threads_;
};

void BM_ActiveCount(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  Parked parked(n);
  if (pt::active_count() != n) {
    st.SkipWithError(("active_count() != " + std::to_string(n)).c_str());
    return;
  }
  for (auto _ : st) benchmark::DoNotOptimize(pt::active_count());
  st.SetComplexityN(st.range(0));
}

void BM_Enumerate(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  Parked parked(n);
  if (pt::enumerate().size() != n) {
    st.SkipWithError(("enumerate().size() != " + std::to_string(n)).c_str());
    return;
  }
  for (auto _ : st) benchmark::DoNotOptimize(pt::enumerate());
  st.SetComplexityN(st.range(0));
}

void BM_LocalGet_pythreading(benchmark::State& st) {
  pt::local<int> l;
  l.get() = 1;
  for (auto _ : st) {
    int v = l.get();
    benchmark::DoNotOptimize(v);
  }
}

void BM_LocalSet_pythreading(benchmark::State& st) {
  pt::local<int> l;
  int i = 0;
  for (auto _ : st) {
    l.get() = ++i;
    benchmark::ClobberMemory();
  }
}

void BM_CpuBound_pythreading(benchmark::State& st, std::uint64_t total) {
  const auto n = static_cast<std::size_t>(st.range(0));
  std::vector<std::uint64_t> out(n);
  std::vector<pt::Thread> ts;
  ts.reserve(n);
  for (auto _ : st) {
    for (std::size_t i = 0; i < n; ++i) {
      ts.emplace_back([&out, i, units = total / n] { out[i] = cpu_work(units, i + 1); });
      ts.back().start();
    }
    for (auto& t : ts) t.join();
    ts.clear();
    benchmark::DoNotOptimize(out.data());
  }
}

}  // namespace

void register_pythreading(const Config& cfg) {
  reg("BM_SpawnJoin/pythreading", [](benchmark::State& st) { spawn_join(st, false); });
  reg("BM_SpawnJoin/pythreading_daemon", [](benchmark::State& st) { spawn_join(st, true); });
  for (int n : cfg.batch)
    reg("BM_SpawnJoinBatch/pythreading", BM_SpawnJoinBatch_pythreading)->Arg(n);
  reg("BM_CurrentThread/pythreading", BM_CurrentThread_pythreading);
  auto* ac = reg("BM_ActiveCount", BM_ActiveCount);
  for (int n : cfg.live) ac->Arg(n);
  ac->Complexity(benchmark::o1);
  auto* en = reg("BM_Enumerate", BM_Enumerate);
  for (int n : cfg.live) en->Arg(n);
  en->Complexity(benchmark::oN);
  reg("BM_LocalGet/pythreading", BM_LocalGet_pythreading);
  reg("BM_LocalSet/pythreading", BM_LocalSet_pythreading);
  const std::uint64_t work = cfg.cpu_work;
  auto* cpu =
      reg("BM_CpuBound", [work](benchmark::State& st) { BM_CpuBound_pythreading(st, work); });
  for (int n : cfg.cpu_threads) cpu->Arg(n);
}

namespace {

void BM_LockUncontended_pythreading(benchmark::State& st) {
  pt::Lock m;
  for (auto _ : st) {
    m.acquire();
    benchmark::ClobberMemory();
    m.release();
  }
}

void BM_RLockUncontended_pythreading(benchmark::State& st) {
  pt::RLock m;
  for (auto _ : st) {
    m.acquire();
    benchmark::ClobberMemory();
    m.release();
  }
}

void BM_LockContended_pythreading(benchmark::State& st) {
  const int helpers = static_cast<int>(st.range(0)) - 1;
  // The lock and the stop flag on cache lines of their own: the helpers read the flag on
  // every round, which must not slow the lock's line down.
  alignas(64) pt::Lock m;
  alignas(64) std::atomic<bool> stop{false};
  std::vector<std::thread> ts;
  for (int i = 0; i < helpers; ++i)
    ts.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        m.acquire();
        m.release();
      }
    });
  for (auto _ : st) {
    m.acquire();
    benchmark::ClobberMemory();
    m.release();
  }
  stop = true;
  for (auto& t : ts) t.join();
}

/// Round trip main -> partner -> main through two pythreading Events (set / wait / clear).
void BM_EventPingPong_pythreading(benchmark::State& st) {
  pt::Event ping, pong;
  std::atomic<bool> stop{false};
  std::thread partner([&] {
    for (;;) {
      ping.wait();
      ping.clear();
      if (stop.load()) return;
      pong.set();
    }
  });
  for (auto _ : st) {
    ping.set();
    pong.wait();
    pong.clear();
  }
  stop = true;
  ping.set();
  partner.join();
}

void BM_ConditionNotify_pythreading(benchmark::State& st) {
  pt::Condition cond;
  for (auto _ : st) {
    cond.acquire();
    cond.notify();
    cond.release();
  }
}

}  // namespace

void register_pythreading_sync(const Config& cfg) {
  reg("BM_LockUncontended/pythreading", BM_LockUncontended_pythreading);
  for (int n : cfg.contended)
    reg("BM_LockContended/pythreading", BM_LockContended_pythreading)->Arg(n);
  reg("BM_RLockUncontended/pythreading", BM_RLockUncontended_pythreading);
  reg("BM_EventPingPong/pythreading", BM_EventPingPong_pythreading);
  reg("BM_ConditionNotify/pythreading", BM_ConditionNotify_pythreading);
}

}  // namespace tsbench
