// Tests of the run-time DeprecationWarnings (warnings.hpp) and of the output sink
// (output.hpp) through which the library writes every report.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "pythreading/threading.hpp"
#include "test_support.hpp"

namespace pt = pythreading;

namespace {

/// Collects everything the library writes while alive; restores the default sink and the
/// warnings state afterwards.
class Collect {
 public:
  Collect() {
    pt::warnings::resetwarnings();
    pt::set_output_sink([this](std::string_view text) {
      std::lock_guard<std::mutex> lock(mu_);
      reports_.emplace_back(text);
    });
  }
  ~Collect() {
    pt::set_output_sink({});
    pt::warnings::set_location_resolver({});
    pt::warnings::resetwarnings();
  }
  Collect(const Collect&) = delete;
  Collect& operator=(const Collect&) = delete;
  std::vector<std::string> reports() {
    std::lock_guard<std::mutex> lock(mu_);
    return reports_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> reports_;
};

std::string at(unsigned line, const std::string& message) {
  return std::string(__FILE__) + ":" + std::to_string(line) + ": DeprecationWarning: " + message +
         "\n";
}

/// Checks that `lock` is a free RLock that works as one (arguments change nothing).
/// Clang's analysis does not model an RLock's recursion, hence none here.
void expect_free_recursive_lock(pt::RLock& lock) PYTHREADING_NO_THREAD_SAFETY_ANALYSIS {
  EXPECT_FALSE(lock.locked());
  EXPECT_EQ(lock.owner(), 0u);
  EXPECT_EQ(lock.count(), 0u);
  EXPECT_TRUE(lock.acquire(false));
  EXPECT_TRUE(lock.acquire(false));
  EXPECT_EQ(lock.count(), 2u);
  lock.release();
  lock.release();
  EXPECT_FALSE(lock.locked());
  EXPECT_THROW(lock.release(), pt::RuntimeError);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

TEST(Warnings, EveryLegacyNameWarnsWithCPythonsTextAtTheCallersLine) {
  Collect out;
  pt::Thread t([] {});
  pt::Event e;
  pt::Condition c;
  std::vector<std::string> want;
  t.setName("n");
  want.push_back(at(__LINE__ - 1, "setName() is deprecated, set the name attribute instead"));
  EXPECT_EQ(t.getName(), "n");
  want.push_back(at(__LINE__ - 1, "getName() is deprecated, get the name attribute instead"));
  t.setDaemon(true);
  want.push_back(at(__LINE__ - 1, "setDaemon() is deprecated, set the daemon attribute instead"));
  EXPECT_TRUE(t.isDaemon());
  want.push_back(at(__LINE__ - 1, "isDaemon() is deprecated, get the daemon attribute instead"));
  EXPECT_FALSE(e.isSet());
  want.push_back(at(__LINE__ - 1, "isSet() is deprecated, use is_set() instead"));
  c.acquire();
  c.notifyAll();
  want.push_back(at(__LINE__ - 1, "notifyAll() is deprecated, use notify_all() instead"));
  c.release();
  EXPECT_EQ(pt::currentThread(), pt::main_thread());
  want.push_back(at(__LINE__ - 1, "currentThread() is deprecated, use current_thread() instead"));
  EXPECT_EQ(pt::activeCount(), pt::active_count());
  want.push_back(at(__LINE__ - 1, "activeCount() is deprecated, use active_count() instead"));
  EXPECT_EQ(out.reports(), want);
}

TEST(Warnings, DefaultActionWarnsOncePerLocation) {
  Collect out;
  pt::Thread t([] {});
  for (int i = 0; i < 3; ++i) (void)t.getName();  // one location, three calls
  const unsigned first = __LINE__ - 1;
  (void)t.getName();  // another location
  const unsigned second = __LINE__ - 1;
  const std::string m = "getName() is deprecated, get the name attribute instead";
  EXPECT_EQ(out.reports(), (std::vector<std::string>{at(first, m), at(second, m)}));
}

TEST(Warnings, SetDaemonWarnsBeforeItsRuntimeError) {
  Collect out;
  pt::Thread t([] {});
  t.start();
  EXPECT_THROW(t.setDaemon(true), pt::RuntimeError);
  t.join();
  ASSERT_EQ(out.reports().size(), 1u);
  EXPECT_NE(out.reports()[0].find("setDaemon() is deprecated"), std::string::npos);
}

TEST(Warnings, Actions) {
  Collect out;
  pt::Event e;
  pt::warnings::simplefilter(pt::warnings::Action::kAlways);
  for (int i = 0; i < 2; ++i) (void)e.isSet();
  EXPECT_EQ(out.reports().size(), 2u);
  pt::warnings::simplefilter(pt::warnings::Action::kIgnore);
  (void)e.isSet();
  EXPECT_EQ(out.reports().size(), 2u);
  pt::warnings::simplefilter(pt::warnings::Action::kOnce);
  (void)e.isSet();
  (void)e.isSet();  // same message elsewhere: still once
  EXPECT_EQ(out.reports().size(), 3u);
  pt::warnings::simplefilter(pt::warnings::Action::kError);
  try {
    (void)e.isSet();
    ADD_FAILURE() << "kError must throw";
  } catch (const pt::Exception& ex) {
    EXPECT_STREQ(ex.type_name(), "DeprecationWarning");
    EXPECT_STREQ(ex.what(), "isSet() is deprecated, use is_set() instead");
  }
  EXPECT_EQ(out.reports().size(), 3u);
}

TEST(Warnings, RLockWithArgumentsWarnsAtTheCallersLineAndIsAnOrdinaryRLock) {
  Collect out;
  const std::string m = "Passing arguments to RLock is deprecated and will be removed in 3.15";
  pt::RLock positional(pt::RLockArguments{1, 0});
  const unsigned first = __LINE__ - 1;
  pt::RLock keyword(pt::RLockArguments{0, 1});
  const unsigned second = __LINE__ - 1;
  pt::RLock both(pt::RLockArguments{2, 1});
  const unsigned third = __LINE__ - 1;
  EXPECT_EQ(out.reports(), (std::vector<std::string>{at(first, m), at(second, m), at(third, m)}));
  for (pt::RLock* lock : {&positional, &keyword, &both}) expect_free_recursive_lock(*lock);
}

TEST(Warnings, RLockWithoutArgumentsDoesNotWarn) {
  Collect out;
  pt::RLock none(pt::RLockArguments{});  // RLock(*(), **{})
  pt::Condition own;                     // Condition() makes its RLock without arguments
  expect_free_recursive_lock(none);
  EXPECT_TRUE(out.reports().empty());
}

TEST(Warnings, RLockWithArgumentsWarnsOncePerLocationAndFollowsTheAction) {
  Collect out;
  for (int i = 0; i < 3; ++i) pt::RLock again(pt::RLockArguments{1, 0});
  EXPECT_EQ(out.reports().size(), 1u);
  pt::warnings::simplefilter(pt::warnings::Action::kIgnore);
  pt::RLock ignored(pt::RLockArguments{1, 0});
  EXPECT_EQ(out.reports().size(), 1u);
  pt::warnings::simplefilter(pt::warnings::Action::kError);
  try {
    pt::RLock refused(pt::RLockArguments{0, 1});
    ADD_FAILURE() << "kError must throw";
  } catch (const pt::Exception& ex) {
    EXPECT_STREQ(ex.type_name(), "DeprecationWarning");
    EXPECT_STREQ(ex.what(), pt::RLock::kArgumentsDeprecated);
  }
  EXPECT_EQ(out.reports().size(), 1u);
}

TEST(Warnings, LocationResolverNamesTheInterpretedProgramsLine) {
  Collect out;
  thread_local long program_line = 0;
  pt::warnings::set_location_resolver([]() -> std::optional<pt::warnings::Location> {
    if (program_line == 0) return std::nullopt;
    return pt::warnings::Location{"<scenario>", program_line};
  });
  pt::Thread t([] {});
  for (long line : {7L, 7L, 9L}) {
    program_line = line;
    (void)t.isDaemon();  // one C++ location, but the program's lines differ
  }
  program_line = 0;
  (void)t.isDaemon();
  const unsigned cpp_line = __LINE__ - 1;
  const std::string m = "isDaemon() is deprecated, get the daemon attribute instead";
  EXPECT_EQ(out.reports(), (std::vector<std::string>{
                               "<scenario>:7: DeprecationWarning: " + m + "\n",
                               "<scenario>:9: DeprecationWarning: " + m + "\n", at(cpp_line, m)}));
}

#pragma GCC diagnostic pop

TEST(OutputSink, ExcepthookReportsAndTheirFailuresGoThroughTheSink) {
  Collect out;
  pt::Thread t(pt::ThreadOptions{.name = "failing"}, [] { throw pt::ValueError("bad"); });
  t.start();
  t.join();
  pt::set_excepthook([](const pt::ExceptHookArgs&) { throw pt::RuntimeError("hook broke"); });
  pt::Thread u([] { throw pt::ValueError("again"); });
  u.start();
  u.join();
  pt::set_excepthook({});
  EXPECT_EQ(out.reports(),
            (std::vector<std::string>{
                "Exception in thread failing:\nTraceback (most recent call last):\n"
                "  (C++: no traceback available)\nValueError: bad\n",
                "Exception in threading.excepthook:\nTraceback (most recent call last):\n"
                "  (C++: no traceback available)\nRuntimeError: hook broke\n"}));
}

TEST(OutputSink, LoggingOnTheDefaultStreamGoesThroughTheSink) {
  Collect out;
  pt::logging::basic_config({.format = "%(levelname)s:%(threadName)s:%(message)s"});
  pt::logging::warning("careful");
  pt::logging::basic_config({});
  EXPECT_EQ(out.reports(), (std::vector<std::string>{"WARNING:MainThread:careful\n"}));
}

TEST(OutputSink, NoneDropsWhatTheLibraryWritesUntilASinkIsSetAgain) {
  Collect out;
  pt::set_output_none();
  EXPECT_EQ(pt::current_output(), nullptr);
  {
    pt::testing::CaptureStderr cap;  // dropped: neither the replaced sink nor stderr get it
    pt::write_output("dropped\n");
    pt::warnings::warn_deprecated("legacy() is deprecated", {});
    pt::logging::warning("dropped record");
    EXPECT_EQ(cap.text(), "");
  }
  EXPECT_EQ(out.reports(), std::vector<std::string>{});
  std::vector<std::string> again;
  pt::set_output_sink([&](std::string_view text) { again.emplace_back(text); });
  EXPECT_NE(pt::current_output(), nullptr);
  pt::write_output("kept\n");
  pt::logging::warning("kept record");
  pt::set_output_sink({});
  EXPECT_EQ(again, (std::vector<std::string>{"kept\n", "WARNING:root:kept record\n"}));
  EXPECT_EQ(out.reports(), std::vector<std::string>{});
}

/// Captures what the library writes on the program's stdout while alive.
class CollectStdout {
 public:
  CollectStdout() {
    pt::set_stdout_writer([this](std::string_view text) {
      std::lock_guard<std::mutex> lock(mu_);
      text_ += text;
    });
  }
  ~CollectStdout() { pt::set_stdout_writer({}); }
  CollectStdout(const CollectStdout&) = delete;
  CollectStdout& operator=(const CollectStdout&) = delete;
  std::string text() {
    std::lock_guard<std::mutex> lock(mu_);
    return text_;
  }

 private:
  std::mutex mu_;
  std::string text_;
};

struct HookGuard {
  HookGuard() {
    pt::set_excepthook([](const pt::ExceptHookArgs&) { throw pt::RuntimeError("hook broke"); });
  }
  ~HookGuard() { pt::set_excepthook({}); }
  HookGuard(const HookGuard&) = delete;
  HookGuard& operator=(const HookGuard&) = delete;
};

TEST(OutputSink, WhileNoneAFailingHooksHeaderGoesToTheThreadsSavedOutputItsErrorIsDropped) {
  Collect out;  // saved by `t` below
  CollectStdout stdout_text;
  HookGuard failing_hook;
  pt::Thread t([] { throw pt::ValueError("run failed"); });
  pt::set_output_none();
  t.start();
  t.join();
  pt::set_output_sink({});
  EXPECT_EQ(out.reports(), std::vector<std::string>{"Exception in threading.excepthook:\n"});
  EXPECT_EQ(stdout_text.text(), "");
}

TEST(OutputSink, WhileNoneAFailingHooksHeaderGoesToStdoutWhenTheSavedOutputWasNoneToo) {
  Collect out;
  CollectStdout stdout_text;
  HookGuard failing_hook;
  pt::set_output_none();
  pt::Thread t([] { throw pt::ValueError("run failed"); });
  pt::testing::CaptureStderr cap;
  t.start();
  t.join();
  pt::set_output_sink({});
  EXPECT_EQ(cap.text(), "");
  EXPECT_EQ(out.reports(), std::vector<std::string>{});
  EXPECT_EQ(stdout_text.text(), "Exception in threading.excepthook:\n");
}

TEST(OutputSink, StderrWriterRedirectsTheProgramsStderrAndTheMainThreadsSavedOutput) {
  std::mutex mu;
  std::string redirected;
  pt::set_stderr_writer([&](std::string_view text) {
    std::lock_guard<std::mutex> lock(mu);
    redirected += text;
  });
  pt::set_output_sink({});  // the program's own stderr
  pt::testing::CaptureStderr cap;
  pt::write_output("current\n");
  pt::set_output_none();
  // The main thread saved the program's stderr when the library loaded; it follows the writer.
  pt::default_excepthook(pt::make_excepthook_args(
      std::make_exception_ptr(pt::ValueError("in main")), pt::main_thread()));
  pt::set_output_sink({});
  pt::set_stderr_writer({});
  pt::write_output("back on stderr\n");
  EXPECT_EQ(cap.text(), "back on stderr\n");
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(redirected,
            "current\nException in thread MainThread:\nTraceback (most recent call last):\n"
            "  (C++: no traceback available)\nValueError: in main\n");
}

TEST(OutputSink, WhileNoneAThreadsReportGoesToTheOutputItWasCreatedWith) {
  Collect out;  // the thread below saves this sink, as CPython's Thread saves sys.stderr
  pt::Event go;
  pt::Thread t(pt::ThreadOptions{.name = "worker"}, [&] {
    go.wait();
    throw pt::Exception("ZeroDivisionError", "division by zero");
  });
  t.start();
  pt::set_output_none();
  go.set();
  t.join();
  pt::write_output("dropped\n");
  EXPECT_EQ(out.reports(),
            (std::vector<std::string>{
                "Exception in thread worker:\nTraceback (most recent call last):\n"
                "  (C++: no traceback available)\nZeroDivisionError: division by zero\n"}));
}

TEST(OutputSink, AThreadCreatedWhileNoneReportsNothing) {
  Collect out;
  pt::set_output_none();
  pt::Thread t([] { throw pt::ValueError("lost"); });
  pt::testing::CaptureStderr cap;
  t.start();
  t.join();
  EXPECT_EQ(cap.text(), "");
  EXPECT_EQ(out.reports(), std::vector<std::string>{});
}

TEST(OutputSink, EmptySinkRestoresStderr) {
  pt::set_output_sink({});
  pt::testing::CaptureStderr cap;
  pt::write_output("line\n");
  EXPECT_EQ(cap.text(), "line\n");
}

}  // namespace
