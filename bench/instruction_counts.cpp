// bench/instruction_counts.cpp: the operations of the suite, each in a function of its own,
// for instruction counts that do not depend on the machine's load:
//   valgrind --tool=callgrind --callgrind-out-file=cg.out
//   build-bench/bench/threadspec_instruction_counts callgrind_annotate --inclusive=yes cg.out |
//   grep op_
// Each op_ function runs its operation kIterations times (spawns: kSpawns times); divide its
// inclusive count by that. Counts are the calling thread's user-space instructions.
#include <pthread.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "pythreading/threading.hpp"

namespace pt = pythreading;

namespace {

constexpr int kIterations = 10000;
constexpr int kSpawns = 200;

pt::Lock g_lock;
std::mutex g_mutex;
pt::RLock g_rlock;
std::recursive_mutex g_rmutex;
pt::Condition g_cond;
std::mutex g_cv_mutex;
std::condition_variable g_cv;

void* empty_routine(void*) { return nullptr; }

}  // namespace

#define OP extern "C" __attribute__((noinline)) void

OP op_lock_pythreading() {
  for (int i = 0; i < kIterations; ++i) {
    g_lock.acquire();
    asm volatile("" ::: "memory");
    g_lock.release();
  }
}
OP op_lock_std_mutex() {
  for (int i = 0; i < kIterations; ++i) {
    g_mutex.lock();
    asm volatile("" ::: "memory");
    g_mutex.unlock();
  }
}
OP op_rlock_pythreading() {
  for (int i = 0; i < kIterations; ++i) {
    g_rlock.acquire();
    asm volatile("" ::: "memory");
    g_rlock.release();
  }
}
OP op_rlock_std_recursive_mutex() {
  for (int i = 0; i < kIterations; ++i) {
    g_rmutex.lock();
    asm volatile("" ::: "memory");
    g_rmutex.unlock();
  }
}
OP op_notify_pythreading() {
  for (int i = 0; i < kIterations; ++i) {
    g_cond.acquire();
    g_cond.notify();
    g_cond.release();
  }
}
OP op_notify_condvar() {
  for (int i = 0; i < kIterations; ++i) {
    std::lock_guard<std::mutex> hold(g_cv_mutex);
    g_cv.notify_one();
  }
}
OP op_current_thread_pythreading() {
  for (int i = 0; i < kIterations; ++i) {
    const pt::Thread& t = pt::current_thread();
    asm volatile("" ::"r"(&t) : "memory");
  }
}
OP op_current_thread_pthread_self() {
  for (int i = 0; i < kIterations; ++i) {
    pthread_t t = pthread_self();
    asm volatile("" ::"r"(t) : "memory");
  }
}
OP op_spawn_join_pythreading() {
  for (int i = 0; i < kSpawns; ++i) {
    pt::Thread t([] {});
    t.start();
    t.join();
  }
}
OP op_spawn_join_pthread() {
  for (int i = 0; i < kSpawns; ++i) {
    pthread_t t;
    if (pthread_create(&t, nullptr, empty_routine, nullptr) == 0) pthread_join(t, nullptr);
  }
}

int main() {
  std::thread([] {}).join();  // leave glibc's single-thread shortcuts, as threadspec_bench does
  op_lock_pythreading();
  op_lock_std_mutex();
  op_rlock_pythreading();
  op_rlock_std_recursive_mutex();
  op_notify_pythreading();
  op_notify_condvar();
  op_current_thread_pythreading();
  op_current_thread_pthread_self();
  op_spawn_join_pythreading();
  op_spawn_join_pthread();
  return 0;
}
