// Unit tests of excepthook, local<T> and Timer.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
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

/// Runs `body` in a thread named `name` and returns what the excepthook wrote to stderr.
template <class F>
std::string stderr_of_failing_thread(const std::string& name, F body) {
  CaptureStderr cap;
  pt::Thread t(pt::ThreadOptions{.name = name}, body);
  t.start();
  t.join();
  return cap.text();
}

const std::string kTb = "Traceback (most recent call last):\n  (C++: no traceback available)\n";

/// Restores the default hook at scope exit.
struct HookGuard {
  ~HookGuard() { pt::set_excepthook(nullptr); }
};

}  // namespace

TEST(Excepthook, DefaultOutputForPythonErrors) {
  EXPECT_EQ(stderr_of_failing_thread("boom", [] { throw pt::RuntimeError("boom"); }),
            "Exception in thread boom:\n" + kTb + "RuntimeError: boom\n");
  EXPECT_EQ(stderr_of_failing_thread("t2", [] { throw pt::Exception("ValueError", "bad"); }),
            "Exception in thread t2:\n" + kTb + "ValueError: bad\n");
  // An empty message prints the type alone, like `raise ValueError()`.
  EXPECT_EQ(stderr_of_failing_thread("t3", [] { throw pt::Exception("ValueError", ""); }),
            "Exception in thread t3:\n" + kTb + "ValueError\n");
}

TEST(Excepthook, DefaultOutputForOtherExceptions) {
  EXPECT_EQ(stderr_of_failing_thread("s", [] { throw std::runtime_error("std"); }),
            "Exception in thread s:\n" + kTb + "std::runtime_error: std\n");
  EXPECT_EQ(stderr_of_failing_thread("u", [] { throw 42; }),
            "Exception in thread u:\n" + kTb + "UnknownException\n");
}

TEST(Excepthook, NonBuiltinTypeIsNamedWithItsModule) {
  // CPython prints "threading.BrokenBarrierError"; exc_type stays the class name alone.
  EXPECT_EQ(stderr_of_failing_thread("b", [] { throw pt::BrokenBarrierError(); }),
            "Exception in thread b:\n" + kTb + "threading.BrokenBarrierError\n");
  auto args =
      pt::make_excepthook_args(std::make_exception_ptr(pt::BrokenBarrierError()), std::nullopt);
  EXPECT_EQ(args.exc_type, "BrokenBarrierError");
  EXPECT_EQ(args.exc_module, "threading");
  EXPECT_EQ(pt::BrokenBarrierError().qualified_type_name(), "threading.BrokenBarrierError");
  // Builtins have no module part.
  auto builtin =
      pt::make_excepthook_args(std::make_exception_ptr(pt::RuntimeError("r")), std::nullopt);
  EXPECT_EQ(builtin.exc_module, "");
  EXPECT_EQ(pt::RuntimeError("r").qualified_type_name(), "RuntimeError");
}

TEST(Excepthook, SystemExitIsSilent) {
  EXPECT_EQ(stderr_of_failing_thread("x", [] { throw pt::SystemExit("3"); }), "");
  EXPECT_EQ(stderr_of_failing_thread("y", [] { throw pt::Exception("SystemExit", ""); }), "");
}

TEST(Excepthook, DefaultNameInMessageIncludesTarget) {
  CaptureStderr cap;
  pt::Thread t(pt::ThreadOptions{.target_name = "f"}, [] { throw pt::RuntimeError("x"); });
  std::string name = t.name();
  t.start();
  t.join();
  EXPECT_EQ(cap.text(), "Exception in thread " + name + ":\n" + kTb + "RuntimeError: x\n");
  EXPECT_NE(name.find(" (f)"), std::string::npos);
}

TEST(Excepthook, CustomHookReceivesArgs) {
  HookGuard guard;
  std::vector<pt::ExceptHookArgs> seen;
  std::mutex mu;
  pt::set_excepthook([&](const pt::ExceptHookArgs& a) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(a);
  });
  pt::Thread t(pt::ThreadOptions{.name = "failing"}, [] { throw pt::ValueError("v"); });
  CaptureStderr cap;
  t.start();
  t.join();
  EXPECT_EQ(cap.text(), "");
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_EQ(seen[0].exc_type, "ValueError");
  EXPECT_EQ(seen[0].exc_value, "v");
  ASSERT_TRUE(seen[0].thread.has_value());
  EXPECT_EQ(*seen[0].thread, t);
  EXPECT_THROW(std::rethrow_exception(seen[0].exception), pt::ValueError);
  // get_excepthook returns the custom hook; an empty hook restores the default.
  EXPECT_TRUE(static_cast<bool>(pt::get_excepthook()));
  pt::set_excepthook(nullptr);
  EXPECT_EQ(stderr_of_failing_thread("d", [] { throw pt::RuntimeError("r"); }),
            "Exception in thread d:\n" + kTb + "RuntimeError: r\n");
}

TEST(Excepthook, HookThatThrows) {
  HookGuard guard;
  pt::set_excepthook([](const pt::ExceptHookArgs&) { throw pt::RuntimeError("hook failed"); });
  EXPECT_EQ(stderr_of_failing_thread("h", [] { throw pt::ValueError("original"); }),
            "Exception in threading.excepthook:\n" + kTb + "RuntimeError: hook failed\n");
}

TEST(Excepthook, FormatExceptionWithoutThreadUsesIdent) {
  auto args =
      pt::make_excepthook_args(std::make_exception_ptr(pt::OverflowError("o")), std::nullopt);
  EXPECT_EQ(pt::format_exception(args), "Exception in thread " + std::to_string(pt::get_ident()) +
                                            ":\n" + kTb + "OverflowError: o\n");
}

TEST(Excepthook, ThreadContinuesToBeJoinable) {
  HookGuard guard;
  pt::set_excepthook([](const pt::ExceptHookArgs&) {});
  std::vector<pt::Thread> ts;
  for (int i = 0; i < 20; ++i) {
    ts.emplace_back([] { throw std::logic_error("x"); });
    ts.back().start();
  }
  for (auto& t : ts) t.join();
  for (auto& t : ts) EXPECT_FALSE(t.is_alive());
}

// --- local<T> ---------------------------------------------------------------------------

namespace {
struct Tracked {
  static std::atomic<int> alive;
  int value = 0;
  Tracked() { alive.fetch_add(1); }
  ~Tracked() { alive.fetch_sub(1); }
  Tracked(const Tracked&) = delete;
  Tracked& operator=(const Tracked&) = delete;
};
std::atomic<int> Tracked::alive{0};
}  // namespace

TEST(Local, PerThreadIsolation) {
  pt::local<int> data;
  EXPECT_FALSE(data.has_value());
  *data = 1;
  EXPECT_TRUE(data.has_value());
  std::atomic<int> seen_first{-1}, seen_after{-1};
  std::atomic<bool> had_value{true};
  pt::Thread t([&] {
    had_value = data.has_value();
    seen_first = *data;
    *data = 2;
    seen_after = data.get();
  });
  t.start();
  t.join();
  EXPECT_FALSE(had_value.load());
  EXPECT_EQ(seen_first.load(), 0);
  EXPECT_EQ(seen_after.load(), 2);
  EXPECT_EQ(*data, 1);
  data.reset();
  EXPECT_FALSE(data.has_value());
  EXPECT_EQ(*data, 0);
}

TEST(Local, ValuesDestroyedAtThreadEnd) {
  pt::local<Tracked> data;
  int base = Tracked::alive.load();
  std::vector<pt::Thread> ts;
  Gate gate;
  for (int i = 0; i < 8; ++i) {
    ts.emplace_back([&, i] {
      data->value = i;
      gate.wait();
      EXPECT_EQ(data->value, i);
    });
    ts.back().start();
  }
  for (int i = 0; i < 1000 && Tracked::alive.load() < base + 8; ++i) pt::sleep(0.005);
  EXPECT_EQ(Tracked::alive.load(), base + 8);
  gate.open();
  for (auto& t : ts) t.join();
  EXPECT_EQ(Tracked::alive.load(), base);  // gone once join() returns

  // Threads not started by pythreading: destroyed by the thread_local destructor.
  std::thread([&] { data->value = 5; }).join();
  EXPECT_EQ(Tracked::alive.load(), base);
}

TEST(Local, DestroyingLocalDestroysEveryThreadsValue) {
  int base = Tracked::alive.load();
  Gate filled, release;
  auto data = std::make_unique<pt::local<Tracked>>();
  (*data)->value = 1;
  pt::Thread t([&] {
    (*data)->value = 2;
    filled.open();
    release.wait();
  });
  t.start();
  filled.wait();
  EXPECT_EQ(Tracked::alive.load(), base + 2);
  data.reset();
  EXPECT_EQ(Tracked::alive.load(), base);
  release.open();
  t.join();
  EXPECT_EQ(Tracked::alive.load(), base);
}

TEST(Local, FactoryRunsInEachThread) {
  pt::local<std::string> data([] { return pt::current_thread().name(); });
  EXPECT_EQ(*data, "MainThread");
  std::string seen;
  pt::Thread t(pt::ThreadOptions{.name = "other"}, [&] { seen = *data; });
  t.start();
  t.join();
  EXPECT_EQ(seen, "other");
}

TEST(Local, ManyLocalsCreatedAndDestroyed) {
  for (int i = 0; i < 500; ++i) {
    pt::local<int> l;
    *l = i;
    EXPECT_EQ(*l, i);
  }
}

// --- Timer ------------------------------------------------------------------------------

TEST(Timer, Fires) {
  std::atomic<int> fired{0};
  pt::Timer t(
      0.05, [&](int n) { fired = n; }, 7);
  auto t0 = std::chrono::steady_clock::now();
  t.start();
  t.join();
  EXPECT_EQ(fired.load(), 7);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(40));
  EXPECT_TRUE(t.finished());
}

TEST(Timer, PassesItsStoredArgumentsWhenItFires) {
  // Python's Timer calls function(*self.args) when it fires: a shared argument changed after
  // construction is seen by the call; each Timer stores its own arguments.
  auto args = std::make_shared<std::vector<int>>(std::vector<int>{1});
  std::vector<int> seen;
  pt::Timer t(
      0.0, [&](const std::shared_ptr<std::vector<int>>& a) { seen = *a; }, args);
  pt::Timer other(
      0.0, [](const std::shared_ptr<std::vector<int>>& a) { a->push_back(99); },
      std::make_shared<std::vector<int>>());
  args->push_back(2);
  other.start();
  other.join();
  t.start();
  t.join();
  EXPECT_EQ(seen, (std::vector<int>{1, 2}));
}

TEST(Timer, CancelBeforeFiring) {
  std::atomic<bool> fired{false};
  pt::Timer t(30.0, [&] { fired = true; });
  t.start();
  t.cancel();
  t.join(20.0);
  EXPECT_FALSE(t.is_alive());
  EXPECT_FALSE(fired.load());
}

TEST(Timer, CancelBeforeStart) {
  std::atomic<bool> fired{false};
  pt::Timer t(0.01, [&] { fired = true; });
  t.cancel();
  t.start();
  t.join();
  EXPECT_FALSE(fired.load());
}

TEST(Timer, IsAThreadHandle) {
  std::atomic<bool> fired{false};
  pt::Thread as_thread = pt::Timer(0.01, [&] { fired = true; });
  as_thread.start();
  as_thread.join();
  EXPECT_TRUE(fired.load());
}
