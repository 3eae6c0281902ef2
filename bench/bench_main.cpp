// bench/bench_main.cpp: main() of threadspec_bench.
//
// Extra flag (removed before Google Benchmark sees the arguments):
//   --threadspec_quick   small argument sets for a smoke run (tools/threadspec bench --quick)
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.hpp"

#ifndef THREADSPEC_BENCHMARK_VERSION
#define THREADSPEC_BENCHMARK_VERSION "unknown"
#endif

namespace tsbench {

Config make_config(bool quick) {
  Config c;
  c.quick = quick;
  if (quick) {
    c.batch = {1, 4, 16};
    c.live = {1, 8, 64};
    c.contended = {2};
    c.cpu_threads = {1, 2};
    c.cpu_work = 1u << 21;
  } else {
    c.batch = {1, 2, 4, 8, 16, 32, 64, 128, 256};
    c.live = {1, 4, 16, 64, 256, 1024};
    c.contended = {2, 4};
    c.cpu_threads = {1, 2, 4};
    c.cpu_work = 1u << 25;  // ~30 ms on one core
  }
  return c;
}

}  // namespace tsbench

int main(int argc, char** argv) {
  bool quick = false;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (i > 0 && std::strcmp(argv[i], "--threadspec_quick") == 0) {
      quick = true;
      continue;
    }
    args.push_back(argv[i]);
  }
  int n = static_cast<int>(args.size());
  args.push_back(nullptr);
  const tsbench::Config cfg = tsbench::make_config(quick);
  tsbench::register_raw(cfg);
  tsbench::register_pythreading(cfg);
  tsbench::register_pythreading_sync(cfg);

  benchmark::AddCustomContext("threadspec_suite", "threadspec_bench");
  benchmark::AddCustomContext("benchmark_version", THREADSPEC_BENCHMARK_VERSION);
  benchmark::AddCustomContext("compiler", THREADSPEC_COMPILER);
  benchmark::AddCustomContext("cxx_flags", THREADSPEC_CXX_FLAGS);
  benchmark::AddCustomContext("build_type", THREADSPEC_BUILD_TYPE);
  benchmark::AddCustomContext("sanitize", THREADSPEC_SANITIZE_MODE);
  benchmark::AddCustomContext("quick", quick ? "yes" : "no");
  benchmark::AddCustomContext("cpu_work_units", std::to_string(cfg.cpu_work));

  // Make the process multi-threaded before measuring anything: glibc takes single-thread
  // shortcuts (e.g. in pthread_mutex_lock) until the first thread is created, which would make
  // whichever benchmark runs first look cheaper than the same code later.
  std::thread([] {}).join();

  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
