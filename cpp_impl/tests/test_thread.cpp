// Unit tests of pythreading's thread core: names, daemon, idents, errors, join, registry,
// excepthook, subclassing, stack_size, stress.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <memory>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "pythreading/threading.hpp"
#include "test_support.hpp"

namespace pt = pythreading;
using pt::testing::CaptureStderr;
using pt::testing::Gate;

namespace {

/// The N of a "Thread-N..." / "Dummy-N" name.
long counter_of(const std::string& name) {
  std::smatch m;
  static const std::regex re("^(?:Thread|Dummy)-([0-9]+)");
  if (!std::regex_search(name, m, re)) return -1;
  return std::stol(m[1].str());
}

template <class F>
std::string error_text(F&& f) {
  try {
    f();
  } catch (const pt::PythonError& e) {
    return std::string(e.type_name()) + ": " + e.what();
  }
  return "no exception";
}

bool contains(const std::vector<pt::Thread>& v, const pt::Thread& t) {
  return std::find(v.begin(), v.end(), t) != v.end();
}

}  // namespace

TEST(Thread, MainThread) {
  pt::Thread m = pt::main_thread();
  EXPECT_EQ(m.name(), "MainThread");
  EXPECT_EQ(pt::current_thread(), m);
  EXPECT_FALSE(m.daemon());
  EXPECT_TRUE(m.is_alive());
  EXPECT_EQ(m.ident(), pt::get_ident());
  EXPECT_EQ(m.native_id(), static_cast<std::uint64_t>(getpid()));
  EXPECT_EQ(pt::get_native_id(), static_cast<std::uint64_t>(getpid()));
  EXPECT_TRUE(contains(pt::enumerate(), m));
}

TEST(Thread, DefaultNamesShareOneCounter) {
  pt::Thread a([] {});
  long n = counter_of(a.name());
  ASSERT_GT(n, 0);
  EXPECT_EQ(a.name(), "Thread-" + std::to_string(n));
  pt::Thread b(pt::ThreadOptions{.target_name = "worker"}, [] {});
  EXPECT_EQ(b.name(), "Thread-" + std::to_string(n + 1) + " (worker)");
  pt::Thread named(pt::ThreadOptions{.name = "explicit"});  // does not consume the counter
  EXPECT_EQ(named.name(), "explicit");
  pt::Timer timer(1.0, [] {});  // CPython 3.13: Timer is "Thread-N", no target suffix
  EXPECT_EQ(timer.name(), "Thread-" + std::to_string(n + 2));
  std::string dummy;
  std::thread([&] { dummy = pt::current_thread().name(); }).join();
  EXPECT_EQ(dummy, "Dummy-" + std::to_string(n + 3));
  pt::Thread plain;  // threading.Thread(): no target
  EXPECT_EQ(plain.name(), "Thread-" + std::to_string(n + 4));
  pt::Thread typed(pt::ThreadOptions{.target = [] {}, .target_name = "f"});
  EXPECT_EQ(typed.name(), "Thread-" + std::to_string(n + 5) + " (f)");
}

TEST(Thread, NameCanBeChangedAnytime) {
  Gate gate;
  std::string seen;
  pt::Thread t(pt::ThreadOptions{.name = "before"}, [&] {
    gate.wait();
    seen = pt::current_thread().name();
  });
  t.start();
  t.set_name("after");
  gate.open();
  t.join();
  EXPECT_EQ(seen, "after");
  EXPECT_EQ(t.name(), "after");
}

TEST(Thread, DaemonInheritedFromCreator) {
  EXPECT_FALSE(pt::Thread([] {}).daemon());
  std::optional<bool> inherited, overridden;
  pt::Thread d(pt::ThreadOptions{.daemon = true}, [&] {
    inherited = pt::Thread([] {}).daemon();
    overridden = pt::Thread(pt::ThreadOptions{.daemon = false}, [] {}).daemon();
  });
  EXPECT_TRUE(d.daemon());
  d.start();
  d.join();
  EXPECT_EQ(inherited, true);
  EXPECT_EQ(overridden, false);
  // A dummy thread is a daemon, so threads it creates are daemons too.
  std::optional<bool> from_dummy;
  std::thread([&] { from_dummy = pt::Thread([] {}).daemon(); }).join();
  EXPECT_EQ(from_dummy, true);
}

TEST(Thread, SetDaemonBeforeStartOnly) {
  pt::Thread t([] {});
  t.set_daemon(true);
  EXPECT_TRUE(t.daemon());
  t.set_daemon(false);
  t.start();
  EXPECT_EQ(error_text([&] { t.set_daemon(true); }),
            "RuntimeError: cannot set daemon status of active thread");
  t.join();
  EXPECT_EQ(error_text([&] { t.set_daemon(true); }),
            "RuntimeError: cannot set daemon status of active thread");
  EXPECT_EQ(error_text([] { pt::main_thread().set_daemon(true); }),
            "RuntimeError: cannot set daemon status of active thread");
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
TEST(Thread, LegacyAccessors) {
  pt::Thread t([] {});
  t.setName("legacy");
  EXPECT_EQ(t.getName(), "legacy");
  t.setDaemon(true);
  EXPECT_TRUE(t.isDaemon());
}
#pragma GCC diagnostic pop

TEST(Thread, StartReturnsWithIdentKnownBeforeTheThreadRuns) {
  // start() does not wait for the new thread: ident and is_alive hold at once; native_id
  // is the new thread's own, read whenever.
  Gate gate;
  std::atomic<std::uint64_t> native{0};
  pt::Thread t([&] {
    native = pt::get_native_id();
    gate.wait();
  });
  t.start();
  EXPECT_TRUE(t.is_alive());
  ASSERT_TRUE(t.ident().has_value());
  EXPECT_NE(*t.ident(), 0u);
  ASSERT_TRUE(t.native_id().has_value());
  gate.open();
  t.join();
  EXPECT_EQ(*t.native_id(), native.load());
  EXPECT_FALSE(t.is_alive());
}

TEST(Thread, CurrentThreadIsTheSameHandleEachTime) {
  const pt::Thread* first = nullptr;
  bool same = false;
  pt::Thread t([&] {
    first = &pt::current_thread();
    same = &pt::current_thread() == first && pt::current_thread() == pt::Thread(*first);
  });
  t.start();
  t.join();
  EXPECT_TRUE(same);
  EXPECT_EQ(&pt::current_thread(), &pt::current_thread());
  pt::Thread copy = pt::current_thread();
  EXPECT_EQ(copy, pt::main_thread());
}

TEST(Thread, IdentAndNativeId) {
  std::atomic<std::uint64_t> seen_ident{0}, seen_native{0};
  pt::Thread t([&] {
    seen_ident = pt::get_ident();
    seen_native = pt::get_native_id();
    // Inside the thread its own handle already knows both.
    EXPECT_EQ(pt::current_thread().ident(), pt::get_ident());
    EXPECT_EQ(pt::current_thread().native_id(), pt::get_native_id());
  });
  EXPECT_EQ(t.ident(), std::nullopt);
  EXPECT_EQ(t.native_id(), std::nullopt);
  t.start();
  ASSERT_TRUE(t.ident().has_value());
  ASSERT_TRUE(t.native_id().has_value());
  t.join();
  EXPECT_EQ(*t.ident(), seen_ident.load());
  EXPECT_EQ(*t.native_id(), seen_native.load());
  EXPECT_NE(*t.native_id(), static_cast<std::uint64_t>(getpid()));
  EXPECT_NE(*t.ident(), pt::get_ident());
}

TEST(Thread, RuntimeErrorTexts) {
  pt::Thread t([] {});
  EXPECT_EQ(error_text([&] { t.join(); }), "RuntimeError: cannot join thread before it is started");
  EXPECT_EQ(error_text([&] { t.join(1.0); }),
            "RuntimeError: cannot join thread before it is started");
  t.start();
  EXPECT_EQ(error_text([&] { t.start(); }), "RuntimeError: threads can only be started once");
  t.join();
  EXPECT_EQ(error_text([&] { t.start(); }), "RuntimeError: threads can only be started once");
  EXPECT_EQ(error_text([] { pt::main_thread().start(); }),
            "RuntimeError: threads can only be started once");
  EXPECT_EQ(error_text([] { pt::main_thread().join(); }),
            "RuntimeError: cannot join current thread");

  std::string self_join;
  pt::Thread s([&] { self_join = error_text([] { pt::current_thread().join(); }); });
  s.start();
  s.join();
  EXPECT_EQ(self_join, "RuntimeError: cannot join current thread");

  std::optional<pt::Thread> dummy;
  std::thread([&] { dummy = pt::current_thread(); }).join();
  EXPECT_EQ(error_text([&] { dummy->join(); }), "RuntimeError: cannot join a dummy thread");
  EXPECT_EQ(error_text([&] { dummy->start(); }), "RuntimeError: threads can only be started once");
}

TEST(Thread, JoinTimeoutValidation) {
  Gate gate;
  pt::Thread t([&] { gate.wait(); });
  t.start();
  EXPECT_EQ(error_text([&] { t.join(std::nan("")); }),
            "ValueError: Invalid value NaN (not a number)");
  EXPECT_EQ(error_text([&] { t.join(pt::TIMEOUT_MAX * 2); }),
            "OverflowError: timestamp out of range for platform time_t");
  EXPECT_EQ(pt::TIMEOUT_MAX, 9223372036.0);
  auto t0 = std::chrono::steady_clock::now();
  t.join(-5.0);  // negative acts as 0
  t.join(0.0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_TRUE(t.is_alive());
  gate.open();
  t.join();
}

TEST(Thread, JoinWithTimeoutOnSleepingThread) {
  Gate gate;
  pt::Thread t([&] { gate.wait(); });
  t.start();
  auto t0 = std::chrono::steady_clock::now();
  t.join(0.1);
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(t.is_alive());
  EXPECT_GE(waited, std::chrono::milliseconds(90));
  gate.open();
  t.join(30.0);
  EXPECT_FALSE(t.is_alive());
}

TEST(Thread, IsAliveLifecycle) {
  Gate gate;
  pt::Thread t([&] { gate.wait(); });
  EXPECT_FALSE(t.is_alive());
  t.start();
  EXPECT_TRUE(t.is_alive());
  gate.open();
  t.join();
  EXPECT_FALSE(t.is_alive());
}

TEST(Thread, ArgumentsAreCopiedAndPassed) {
  std::atomic<int> sum{0};
  std::string text;
  pt::Thread t(
      [&](int a, const std::string& s, double d) {
        sum = a + static_cast<int>(d);
        text = s;
      },
      40, std::string("hello"), 2.0);
  t.start();
  t.join();
  EXPECT_EQ(sum.load(), 42);
  EXPECT_EQ(text, "hello");
}

TEST(Thread, TargetReleasedWhenThreadEnds) {
  auto token = std::make_shared<int>(7);
  std::weak_ptr<int> watch = token;
  pt::Thread t([token] { (void)*token; });
  token.reset();
  EXPECT_FALSE(watch.expired());
  t.start();
  t.join();
  EXPECT_TRUE(watch.expired());  // like CPython's `del self._target, self._args`
}

TEST(Thread, SelfReferencingTargetDoesNotLeak) {
  auto holder = std::make_shared<std::optional<pt::Thread>>();
  Gate gate;
  std::atomic<bool> saw_self{false};
  holder->emplace([holder, &gate, &saw_self] {
    gate.wait();
    saw_self = (**holder == pt::current_thread());
  });
  pt::Thread t = **holder;
  t.start();
  gate.open();
  t.join();
  EXPECT_TRUE(saw_self.load());
  holder->reset();
}

TEST(Thread, DroppingLastHandleNeitherStopsNorBlocks) {
  std::atomic<bool> finished{false};
  Gate gate;
  {
    pt::Thread t([&] {
      gate.wait();
      finished = true;
    });
    t.start();
  }  // last handle dropped while running
  gate.open();
  for (int i = 0; i < 3000 && !finished; ++i) pt::sleep(0.01);
  EXPECT_TRUE(finished.load());
}

TEST(Registry, EnumerateAndActiveCount) {
  Gate gate;
  std::vector<pt::Thread> threads;
  for (int i = 0; i < 3; ++i) threads.emplace_back([&] { gate.wait(); });
  auto before = pt::enumerate();
  for (auto& t : threads) EXPECT_FALSE(contains(before, t));  // not started: not listed
  for (auto& t : threads) t.start();
  auto during = pt::enumerate();
  EXPECT_TRUE(contains(during, pt::main_thread()));
  for (auto& t : threads) EXPECT_TRUE(contains(during, t));
  EXPECT_EQ(pt::active_count(), during.size());
  EXPECT_GE(pt::active_count(), 4U);
  // Registration order, as CPython's dict: main first, then threads in start order.
  EXPECT_EQ(during.front(), pt::main_thread());
  auto pos = [&](const pt::Thread& t) { return std::find(during.begin(), during.end(), t); };
  EXPECT_LT(pos(threads[0]), pos(threads[1]));
  EXPECT_LT(pos(threads[1]), pos(threads[2]));

  // A dummy thread is listed while its OS thread lives, and removed when it exits.
  Gate dummy_gate, dummy_registered;
  std::optional<pt::Thread> dummy;
  std::thread foreign([&] {
    dummy = pt::current_thread();
    dummy_registered.open();
    dummy_gate.wait();
  });
  dummy_registered.wait();
  EXPECT_TRUE(contains(pt::enumerate(), *dummy));
  EXPECT_TRUE(dummy->daemon());
  EXPECT_TRUE(dummy->is_alive());
  dummy_gate.open();
  foreign.join();
  EXPECT_FALSE(contains(pt::enumerate(), *dummy));

  gate.open();
  for (auto& t : threads) t.join();
  auto after = pt::enumerate();
  for (auto& t : threads) EXPECT_FALSE(contains(after, t));
  EXPECT_EQ(pt::active_count(), after.size());
}

TEST(Subclass, RunOverrideWithMakeThread) {
  struct Worker : pt::Thread {
    explicit Worker(int n, std::atomic<int>* out)
        : Thread(pt::ThreadOptions{.name = "worker"}), n_(n), out_(out) {}
    void run() override { *out_ = n_ * 2; }
    int n_;
    std::atomic<int>* out_;
  };
  std::atomic<int> out{0};
  auto w = pt::make_thread<Worker>(21, &out);
  w->start();
  pt::Thread handle = *w;  // a plain handle to the same thread object
  w.reset();               // the running thread keeps the object alive
  handle.join();
  EXPECT_EQ(out.load(), 42);
  EXPECT_EQ(handle.name(), "worker");
}

TEST(Subclass, StackObjectJoinedBeforeDestruction) {
  struct Counter : pt::Thread {
    void run() override {
      for (int i = 0; i < 1000; ++i) ++count;
    }
    std::atomic<int> count{0};
  };
  Counter c;
  c.start();
  c.join();
  EXPECT_EQ(c.count.load(), 1000);
}

TEST(Subclass, RunCalledDirectlyRunsInCaller) {
  std::atomic<std::uint64_t> where{0};
  pt::Thread t([&] { where = pt::get_ident(); });
  t.run();
  EXPECT_EQ(where.load(), pt::get_ident());
  EXPECT_FALSE(t.is_alive());
}

TEST(StackSize, GetSetAndErrors) {
  EXPECT_EQ(pt::stack_size(), 0U);
  EXPECT_EQ(error_text([] { pt::stack_size(1000); }), "ValueError: size not valid: 1000 bytes");
  EXPECT_EQ(pt::stack_size(1 << 20), 0U);
  EXPECT_EQ(pt::stack_size(), 1U << 20);
  std::atomic<bool> ran{false};
  pt::Thread t([&] { ran = true; });
  t.start();
  t.join();
  EXPECT_TRUE(ran.load());
  EXPECT_EQ(pt::stack_size(0), 1U << 20);
}

TEST(Sleep, Errors) {
  EXPECT_EQ(error_text([] { pt::sleep(-1); }), "ValueError: sleep length must be non-negative");
  pt::sleep(0);
  pt::sleep(0.001);
}

TEST(Stress, TwoThousandThreadsStartedAndJoined) {
  std::atomic<int> ran{0};
  constexpr int kBatch = 100;
  for (int b = 0; b < 20; ++b) {
    std::vector<pt::Thread> batch;
    batch.reserve(kBatch);
    for (int i = 0; i < kBatch; ++i) {
      batch.emplace_back([&ran] { ran.fetch_add(1, std::memory_order_relaxed); });
      batch.back().start();
    }
    for (auto& t : batch) t.join();
  }
  EXPECT_EQ(ran.load(), 2000);
}

TEST(Stress, EnumerateWhileThreadsStartAndEnd) {
  std::atomic<bool> stop{false};
  std::atomic<long> listed{0};
  pt::Thread scanner(pt::ThreadOptions{.name = "scanner"}, [&] {
    while (!stop.load()) {
      for (const pt::Thread& t : pt::enumerate()) {
        listed.fetch_add(1, std::memory_order_relaxed);
        EXPECT_FALSE(t.name().empty());
        (void)t.ident();
      }
      (void)pt::active_count();
    }
  });
  scanner.start();
  for (int i = 0; i < 300; ++i) {
    pt::Thread t([] {});
    t.start();
    if (i % 3 == 0) t.join();  // the others finish on their own, handle dropped
  }
  stop = true;
  scanner.join();
  EXPECT_GT(listed.load(), 0);
}

TEST(Stress, ConcurrentStartOfOneThreadStartsItOnce) {
  for (int round = 0; round < 20; ++round) {
    std::atomic<int> runs{0}, errors{0};
    pt::Thread target([&] { runs.fetch_add(1); });
    std::vector<std::thread> starters;
    for (int i = 0; i < 4; ++i)
      starters.emplace_back([&] {
        try {
          target.start();
        } catch (const pt::RuntimeError&) {
          errors.fetch_add(1);
        }
      });
    for (auto& s : starters) s.join();
    target.join();
    EXPECT_EQ(runs.load(), 1);
    EXPECT_EQ(errors.load(), 3);
  }
}

TEST(Fork, ChildForgetsOtherThreadsAndExits) {
  Gate gate;
  pt::Thread blocked([&] { gate.wait(); });  // non-daemon, alive during fork()
  blocked.start();
  pid_t pid = fork();
  if (pid == 0) {
    // Child: only this thread exists. std::exit runs the on_exit handler, which must not
    // wait for `blocked` (it does not exist here).
    bool ok = pt::active_count() == 1 && pt::enumerate().size() == 1 &&
              pt::enumerate().front() == pt::current_thread() &&
              pt::main_thread() == pt::current_thread() && !blocked.is_alive();
    std::exit(ok ? 0 : 1);
  }
  ASSERT_GT(pid, 0);
  int ws = 0;
  ASSERT_EQ(waitpid(pid, &ws, 0), pid);
  EXPECT_TRUE(WIFEXITED(ws));
  EXPECT_EQ(WEXITSTATUS(ws), 0);
  EXPECT_TRUE(blocked.is_alive());  // the parent is unaffected
  gate.open();
  blocked.join();
}

/// Forks in a std::thread (after current_thread() when `seen`, making it a dummy thread) and
/// returns the child's exit status: 0 when the child's main thread is a new _MainThread named
/// "MainThread" with the forking thread's ident, and is current_thread() and enumerate()'s
/// only entry.
static int status_of_fork_from_foreign_thread(bool seen) {
  int status = -1;
  std::thread foreign([&] {
    if (seen && pt::current_thread().name().rfind("Dummy-", 0) != 0) return;
    pid_t pid = fork();
    if (pid == 0) {
      const pt::Thread main = pt::main_thread();
      const bool ok = main.repr() == "<_MainThread(MainThread, started " +
                                         std::to_string(pt::get_ident()) + ")>" &&
                      main == pt::current_thread() && pt::active_count() == 1 &&
                      pt::enumerate().size() == 1 && pt::enumerate().front() == main;
      _exit(ok ? 0 : 1);
    }
    int ws = 0;
    if (pid > 0 && waitpid(pid, &ws, 0) == pid && WIFEXITED(ws)) status = WEXITSTATUS(ws);
  });
  foreign.join();
  return status;
}

TEST(Fork, FromDummyThreadChildGetsNewMainThread) {
  EXPECT_EQ(status_of_fork_from_foreign_thread(true), 0);
}

TEST(Fork, FromUnseenForeignThreadChildGetsNewMainThread) {
  EXPECT_EQ(status_of_fork_from_foreign_thread(false), 0);
}

TEST(Fork, ChildReadsTheOutputWhileAnotherThreadWasUsingItAtFork) {
  // Another thread takes the output's lock over and over; a child forked meanwhile must not
  // inherit it locked: creating a Thread there reads the output (its saved stderr).
  std::atomic<bool> stop{false};
  std::thread busy([&] {
    while (!stop.load()) pt::set_output_sink({});
  });
  int hung = 0;
  int failed = 0;
  for (int i = 0; i < 40; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      pt::Thread t([] {});
      _exit(t.name().empty() ? 1 : 0);
    }
    ASSERT_GT(pid, 0);
    int ws = 0;
    pid_t done = 0;
    for (int waited_ms = 0; (done = waitpid(pid, &ws, WNOHANG)) == 0 && waited_ms < 10000;
         waited_ms += 5) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (done == 0) {  // deadlocked in the child
      ++hung;
      kill(pid, SIGKILL);
      waitpid(pid, &ws, 0);
    } else if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
      ++failed;
    }
  }
  stop.store(true);
  busy.join();
  EXPECT_EQ(hung, 0);
  EXPECT_EQ(failed, 0);
}

TEST(Thread, ReprLikeCPython) {
  Gate gate;
  pt::Thread t(pt::ThreadOptions{.name = "w", .daemon = true}, [&] { gate.wait(); });
  EXPECT_EQ(t.repr(), "<Thread(w, initial daemon)>");
  t.start();
  std::string id = std::to_string(*t.ident());
  EXPECT_EQ(t.repr(), "<Thread(w, started daemon " + id + ")>");
  gate.open();
  t.join();
  EXPECT_EQ(t.repr(), "<Thread(w, stopped daemon " + id + ")>");
  EXPECT_EQ(pt::main_thread().repr(),
            "<_MainThread(MainThread, started " + std::to_string(pt::get_ident()) + ")>");
  pt::Timer timer(1.0, [] {});
  timer.set_name("tm");
  EXPECT_EQ(timer.repr(), "<Timer(tm, initial)>");
  std::string dummy;
  std::thread([&] {
    dummy = pt::current_thread().repr();
    EXPECT_EQ(dummy.rfind("<_DummyThread(Dummy-", 0), 0U);
    EXPECT_NE(dummy.find(", started daemon " + std::to_string(pt::get_ident()) + ")>"),
              std::string::npos);
  }).join();
}

TEST(Thread, TargetGivenTwiceIsAnError) {
  EXPECT_EQ(error_text([] { pt::Thread(pt::ThreadOptions{.target = [] {}}, [] {}); }),
            "ValueError: pass the target either in ThreadOptions or as argument");
}

TEST(Thread, ManyJoinersAtOnce) {
  Gate gate;
  pt::Thread target([&] { gate.wait(); });
  target.start();
  std::atomic<int> joined{0};
  std::vector<pt::Thread> joiners;
  for (int i = 0; i < 8; ++i) {
    joiners.emplace_back([&] {
      target.join();
      joined.fetch_add(1);
    });
    joiners.back().start();
  }
  target.join(0.05);
  EXPECT_EQ(joined.load(), 0);
  gate.open();
  for (auto& j : joiners) j.join();
  EXPECT_EQ(joined.load(), 8);
}

TEST(Thread, MoveOnlyArgumentsAndReferences) {
  auto p = std::make_unique<int>(5);
  std::atomic<int> seen{0};
  int by_ref = 0;
  pt::Thread t(
      [&seen](std::unique_ptr<int> v, int& r) {
        seen = *v;
        r = 9;
      },
      std::move(p), std::ref(by_ref));
  t.start();
  t.join();
  EXPECT_EQ(seen.load(), 5);
  EXPECT_EQ(by_ref, 9);
}

TEST(Thread, FailedStartCanBeRetried) {
  std::size_t before = pt::active_count();
  pt::stack_size(std::size_t{1} << 44);  // 16 TiB: the OS refuses the stack
  std::atomic<bool> ran{false};
  pt::Thread t([&] { ran = true; });
  std::string err = error_text([&] { t.start(); });
  pt::stack_size(0);
  if (err == "no exception") {
    t.join();
    GTEST_SKIP() << "this system accepted a 16 TiB stack";
  }
  EXPECT_EQ(err, "RuntimeError: can't start new thread");
  EXPECT_FALSE(t.is_alive());
  EXPECT_EQ(t.ident(), std::nullopt);
  EXPECT_EQ(pt::active_count(), before);
  EXPECT_FALSE(contains(pt::enumerate(), t));
  t.start();  // as in CPython, the object was not marked started
  t.join();
  EXPECT_TRUE(ran.load());
}
