// bench/bench_common.hpp: shared configuration and helpers of threadspec_bench.
//
// Naming: BM_Family/variant/arg, e.g. BM_SpawnJoin/pthread, BM_SpawnJoinBatch/pythreading/64,
// BM_LockContended/std_mutex/2. Families whose only implementation is pythreading keep the
// plain Google Benchmark form BM_Family/arg (BM_ActiveCount/1024, BM_CpuBound/2). Every
// benchmark measures real time (UseRealTime, so Google Benchmark appends "/real_time").
#pragma once

#include <benchmark/benchmark.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace tsbench {

struct Config {
  bool quick = false;
  std::vector<int> batch;        // BM_SpawnJoinBatch sizes
  std::vector<int> live;         // BM_ActiveCount / BM_Enumerate live thread counts
  std::vector<int> contended;    // BM_LockContended thread counts
  std::vector<int> cpu_threads;  // BM_CpuBound thread counts
  std::uint64_t cpu_work = 0;    // BM_CpuBound total work units
};

Config make_config(bool quick);

void register_raw(const Config& cfg);
void register_pythreading(const Config& cfg);
void register_pythreading_sync(const Config& cfg);

/// Registers fn under `name` with real time.
template <class F>
benchmark::internal::Benchmark* reg(const std::string& name, F&& fn) {
  return benchmark::RegisterBenchmark(name.c_str(), std::forward<F>(fn))->UseRealTime();
}

/// The CPU-bound workload: `units` rounds of xorshift64; returns the state so it is not
/// optimised away.
inline std::uint64_t cpu_work(std::uint64_t units, std::uint64_t seed) {
  std::uint64_t x = seed | 1;
  for (std::uint64_t i = 0; i < units; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return x;
}

/// A gate parked threads wait on until released.
class Gate {
 public:
  void wait() {
    std::unique_lock<std::mutex> l(m_);
    cv_.wait(l, [this] { return open_; });
  }
  void open() {
    {
      std::lock_guard<std::mutex> l(m_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool open_ = false;
};

}  // namespace tsbench
