// Tests of the synchronisation primitives: API, CPython's error texts, timeouts (lower
// bounds only; the machine is shared), recursion, hand-offs and stress.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "pythreading/sync.hpp"
#include "pythreading/thread.hpp"

namespace pythreading {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

template <class E, class F>
void expect_error(F f, const char* text) {
  try {
    f();
    ADD_FAILURE() << "expected an exception: " << text;
  } catch (const E& e) {
    EXPECT_STREQ(e.what(), text);
  }
}

TEST(Lock, AcquireReleaseAndErrors) {
  Lock l;
  EXPECT_FALSE(l.locked());
  EXPECT_TRUE(l.acquire());
  EXPECT_TRUE(l.locked());
  EXPECT_FALSE(l.acquire(false));
  l.release();
  EXPECT_FALSE(l.locked());
  expect_error<RuntimeError>([&] { l.release(); }, "release unlocked lock");
  expect_error<ValueError>([&] { l.acquire(false, 1); },
                           "can't specify a timeout for a non-blocking call");
  expect_error<ValueError>([&] { l.acquire(true, -2); },
                           "timeout value must be a non-negative number");
  expect_error<OverflowError>([&] { l.acquire(true, 1e20); },
                              "timestamp out of range for platform time_t");
}

TEST(Lock, TimeoutAndReleaseByAnotherThread) {
  Lock l;
  l.acquire();
  auto t0 = Clock::now();
  EXPECT_FALSE(l.acquire(true, 0.1));
  EXPECT_GE(since(t0), 0.09);
  std::thread other([&] { l.release(); });  // any thread may release a Lock, as in Python
  other.join();
  EXPECT_TRUE(l.acquire(true, 5));
  {
    l.release();
    std::scoped_lock guard(l);
    EXPECT_TRUE(l.locked());
  }
  EXPECT_FALSE(l.locked());
}

TEST(RLock, RecursionAndOwnership) {
  RLock r;
  EXPECT_TRUE(r.acquire());
  EXPECT_TRUE(r.acquire());
  EXPECT_TRUE(r.is_owned());
  std::thread other([&] {
    EXPECT_FALSE(r.is_owned());
    EXPECT_FALSE(r.acquire(false));
    expect_error<RuntimeError>([&] { r.release(); }, "cannot release un-acquired lock");
  });
  other.join();
  r.release();
  EXPECT_TRUE(r.locked());
  r.release();
  EXPECT_FALSE(r.locked());
  expect_error<RuntimeError>([&] { r.release(); }, "cannot release un-acquired lock");
}

TEST(RLock, OwnerIsTheOwningThreadsIdentAndCountItsLevel) {
  RLock r;
  EXPECT_EQ(r.owner(), 0U);
  EXPECT_EQ(r.count(), 0U);
  r.acquire();
  r.acquire();
  EXPECT_EQ(r.owner(), get_ident());
  EXPECT_EQ(r.count(), 2U);
  std::uint64_t seen_owner = 0;
  std::size_t seen_count = 0;
  std::uint64_t other_ident = 0;
  std::thread other([&] {  // another thread sees the owner's ident and level, not its own
    seen_owner = r.owner();
    seen_count = r.count();
    other_ident = get_ident();
  });
  other.join();
  EXPECT_EQ(seen_owner, get_ident());
  EXPECT_NE(seen_owner, other_ident);
  EXPECT_EQ(seen_count, 2U);
  r.release();
  EXPECT_EQ(r.count(), 1U);
  const std::size_t saved = r.release_all();
  EXPECT_EQ(saved, 1U);
  EXPECT_EQ(r.owner(), 0U);
  EXPECT_EQ(r.count(), 0U);
  r.acquire_restore(saved);
  EXPECT_EQ(r.owner(), get_ident());
  EXPECT_EQ(r.count(), 1U);
  r.release();
}

TEST(Condition, NWaitersCountsThreadsInWait) {
  Condition c;
  EXPECT_EQ(c.n_waiters(), 0U);
  std::atomic<bool> woken{false};
  std::thread waiter([&] {
    Guard g(c);
    while (!woken.load()) c.wait(5.0);
  });
  for (int i = 0; i < 5000; ++i) {  // until the waiter is inside wait()
    {
      Guard g(c);
      if (c.n_waiters() == 1) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  {
    Guard g(c);
    EXPECT_EQ(c.n_waiters(), 1U);
    woken = true;
    c.notify();
  }
  waiter.join();
  EXPECT_EQ(c.n_waiters(), 0U);
}

TEST(Condition, ErrorsWithoutTheLock) {
  Condition c;
  expect_error<RuntimeError>([&] { c.wait(0); }, "cannot wait on un-acquired lock");
  expect_error<RuntimeError>([&] { c.notify(); }, "cannot notify on un-acquired lock");
  Lock l;
  Condition cl(l);
  expect_error<RuntimeError>([&] { cl.notify_all(); }, "cannot notify on un-acquired lock");
}

TEST(Condition, WaitTimesOutAndRestoresRecursiveLock) {
  RLock r;
  Condition c(r);
  r.acquire();
  r.acquire();
  auto t0 = Clock::now();
  EXPECT_FALSE(c.wait(0.1));
  EXPECT_GE(since(t0), 0.09);
  EXPECT_TRUE(r.is_owned());
  r.release();
  EXPECT_TRUE(r.is_owned());  // both levels were restored
  r.release();
  EXPECT_FALSE(r.locked());
}

TEST(Condition, ProducerConsumerNotifyAndWaitFor) {
  Lock l;
  Condition c(l);
  std::vector<int> queue;
  std::atomic<int> consumed{0};
  std::vector<std::thread> consumers;
  for (int i = 0; i < 4; ++i) {
    consumers.emplace_back([&] {
      for (int k = 0; k < 50; ++k) {
        std::scoped_lock guard(c);
        ASSERT_TRUE(c.wait_for([&] { return !queue.empty(); }, 30.0));
        queue.pop_back();
        ++consumed;
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    std::scoped_lock guard(c);
    queue.push_back(i);
    c.notify();
  }
  for (auto& t : consumers) t.join();
  EXPECT_EQ(consumed.load(), 200);
}

TEST(Condition, NotifyAllWakesEveryWaiter) {
  Condition c;
  std::atomic<int> waiting{0}, woke{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 5; ++i) {
    ts.emplace_back([&] {
      c.acquire();
      ++waiting;
      if (c.wait(30.0)) ++woke;
      c.release();
    });
  }
  while (waiting.load() < 5) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  c.acquire();  // every waiter has released the lock inside wait() once we get it
  c.notify_all();
  c.release();
  for (auto& t : ts) t.join();
  EXPECT_EQ(woke.load(), 5);
}

TEST(Semaphore, ErrorsAndBounding) {
  expect_error<ValueError>([] { Semaphore s(-1); }, "semaphore initial value must be >= 0");
  Semaphore s(2);
  expect_error<ValueError>([&] { s.release(0); }, "n must be one or more");
  expect_error<ValueError>([&] { s.acquire(false, 1.0); },
                           "can't specify timeout for non-blocking acquire");
  std::atomic<int> inside{0}, most{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 8; ++i) {
    ts.emplace_back([&] {
      for (int k = 0; k < 20; ++k) {
        s.acquire();
        int now = ++inside;
        int prev = most.load();
        while (now > prev && !most.compare_exchange_weak(prev, now)) {
        }
        std::this_thread::yield();
        --inside;
        s.release();
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_LE(most.load(), 2);
  EXPECT_GE(most.load(), 1);
  EXPECT_EQ(s.value(), 2);
  EXPECT_TRUE(s.acquire());
  EXPECT_TRUE(s.acquire());
  auto t0 = Clock::now();
  EXPECT_FALSE(s.acquire(true, 0.1));
  EXPECT_GE(since(t0), 0.09);
  EXPECT_FALSE(s.acquire(false));
  s.release(2);
  EXPECT_EQ(s.value(), 2);
}

TEST(BoundedSemaphore, OverRelease) {
  BoundedSemaphore b(1);
  expect_error<ValueError>([&] { b.release(); }, "Semaphore released too many times");
  b.acquire();
  b.release();
  expect_error<ValueError>([&] { b.release(); }, "Semaphore released too many times");
}

TEST(Event, SetClearWait) {
  Event e;
  EXPECT_FALSE(e.is_set());
  auto t0 = Clock::now();
  EXPECT_FALSE(e.wait(0.1));
  EXPECT_GE(since(t0), 0.09);
  EXPECT_FALSE(e.wait(-1.0));  // a negative timeout does not wait, as in Python
  std::vector<std::thread> ts;
  std::atomic<int> woke{0};
  for (int i = 0; i < 6; ++i) ts.emplace_back([&] { woke += e.wait() ? 1 : 0; });
  e.set();
  for (auto& t : ts) t.join();
  EXPECT_EQ(woke.load(), 6);
  EXPECT_TRUE(e.wait(0));
  e.clear();
  EXPECT_FALSE(e.is_set());
}

TEST(Barrier, IndicesAndAction) {
  expect_error<ValueError>([] { Barrier b(0); }, "parties must be > 0");
  std::atomic<int> actions{0};
  Barrier b(3, [&] { ++actions; });
  EXPECT_EQ(b.parties(), 3);
  for (int round = 0; round < 3; ++round) {
    std::vector<long> got(3, -1);
    std::vector<std::thread> ts;
    for (int i = 0; i < 3; ++i) ts.emplace_back([&, i] { got[i] = b.wait(); });
    for (auto& t : ts) t.join();
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<long>{0, 1, 2}));
  }
  EXPECT_EQ(actions.load(), 3);
  EXPECT_FALSE(b.broken());
}

TEST(Barrier, TimeoutAbortAndReset) {
  Barrier b(2);
  expect_error<BrokenBarrierError>([&] { b.wait(0.05); }, "");
  EXPECT_TRUE(b.broken());
  expect_error<BrokenBarrierError>([&] { b.wait(); }, "");
  b.reset();
  EXPECT_FALSE(b.broken());
  std::thread waiter([&] { expect_error<BrokenBarrierError>([&] { b.wait(30.0); }, ""); });
  while (b.n_waiting() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  b.abort();
  waiter.join();
  EXPECT_TRUE(b.broken());
  Barrier failing(1, [] { throw ValueError("action failed"); });
  expect_error<ValueError>([&] { failing.wait(); }, "action failed");
  EXPECT_TRUE(failing.broken());
}

TEST(Barrier, ActionMayReadNWaitingAndBroken) {
  // CPython's n_waiting and broken take no lock, so the action (which runs under the
  // barrier's lock) reads them: every party has arrived and the barrier is not broken.
  Barrier* self = nullptr;
  long seen_waiting = -1;
  bool seen_broken = true;
  Barrier b(2, [&] {
    seen_waiting = self->n_waiting();
    seen_broken = self->broken();
  });
  self = &b;
  std::thread other([&] { b.wait(); });
  b.wait();
  other.join();
  EXPECT_EQ(seen_waiting, 2);
  EXPECT_FALSE(seen_broken);
  EXPECT_EQ(b.n_waiting(), 0);
}

TEST(Event, WaitReturnsTrueWhenNotifiedEvenIfClearedAgain) {
  // CPython (gh-57711): wait() returns what Condition.wait returned, i.e. True once set() has
  // notified the waiter, whatever the flag is by the time the waiter runs.
  Event e;
  std::atomic<bool> entered{false};
  std::atomic<int> result{-1};
  std::thread waiter([&] {
    entered = true;
    result = e.wait(30.0) ? 1 : 0;
  });
  while (!entered.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the waiter is inside wait()
  e.set();
  e.clear();
  waiter.join();
  EXPECT_EQ(result.load(), 1);
  EXPECT_FALSE(e.is_set());
}

TEST(Condition, TimedOutWaiterLeavesTheQueue) {
  // A waiter that timed out is gone: the next notify wakes the one still waiting.
  Lock l;
  Condition c(l);
  std::atomic<int> waiting{0};
  std::atomic<int> second{-1};
  std::thread first([&] {
    Guard<Condition> hold(c);
    ++waiting;
    EXPECT_FALSE(c.wait(0.05));
  });
  first.join();
  std::thread later([&] {
    c.acquire();
    ++waiting;
    second = c.wait(30.0) ? 1 : 0;
    c.release();
  });
  while (waiting.load() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  {
    Guard<Condition> hold(c);  // `later` has released the lock inside wait() once we hold it
    c.notify();
  }
  later.join();
  EXPECT_EQ(second.load(), 1);
}

TEST(Stress, RLockRecursiveCounterAndConditionHandOff) {
  RLock r;
  Condition c(r);
  long counter = 0;
  long turns = 0;
  std::vector<std::thread> ts;
  for (int i = 0; i < 4; ++i) {
    ts.emplace_back([&, i] {
      for (int k = 0; k < 500; ++k) {
        std::scoped_lock outer(r);
        std::scoped_lock inner(r);  // recursion
        ++counter;
        if (k % 50 == 0) {  // take turns: wait until it is this thread's turn
          ASSERT_TRUE(c.wait_for([&] { return turns % 4 == i; }, 30.0));
          ++turns;
          c.notify_all();
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(counter, 2000);
  EXPECT_EQ(turns, 40);
  EXPECT_FALSE(r.locked());
}

TEST(Stress, LockProtectedCounter) {
  Lock l;
  long counter = 0;
  std::vector<std::thread> ts;
  for (int i = 0; i < 8; ++i) {
    ts.emplace_back([&] {
      for (int k = 0; k < 2000; ++k) {
        std::scoped_lock guard(l);
        ++counter;
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(counter, 16000);
}

}  // namespace
}  // namespace pythreading
