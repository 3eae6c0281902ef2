// Unit tests of pythreading::logging: record formats byte for byte, levels, no torn lines.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "pythreading/threading.hpp"

namespace pt = pythreading;
namespace lg = pythreading::logging;

namespace {

/// A logging configuration writing to a temporary file, restored to defaults afterwards.
class LogCapture {
 public:
  explicit LogCapture(lg::Config c) : tmp_(std::tmpfile()) {
    c.stream = tmp_;
    lg::basic_config(c);
  }
  ~LogCapture() {
    lg::basic_config(lg::Config{});
    std::fclose(tmp_);
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  std::string text() {
    std::fflush(tmp_);
    std::rewind(tmp_);
    std::string out;
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, tmp_)) > 0) out.append(buf, n);
    return out;
  }

 private:
  std::FILE* tmp_;
};

}  // namespace

TEST(Logging, PyMotwThreadNameFormat) {
  LogCapture cap({.format = "(%(threadName)-10s) %(message)s", .level = lg::DEBUG});
  pt::Thread d(pt::ThreadOptions{.name = "daemon"}, [] { lg::debug("Starting"); });
  d.start();
  d.join();
  pt::Thread t(pt::ThreadOptions{.name = "non-daemon"}, [] { lg::debug("Exiting"); });
  t.start();
  t.join();
  lg::debug("from main");
  EXPECT_EQ(cap.text(), "(daemon    ) Starting\n(non-daemon) Exiting\n(MainThread) from main\n");
}

TEST(Logging, DefaultFormatAndLevelFiltering) {
  LogCapture cap({});
  lg::debug("no");
  lg::info("no");
  lg::warning("careful");
  lg::error("bad");
  lg::critical("worse");
  lg::log(35, "custom");
  EXPECT_EQ(cap.text(),
            "WARNING:root:careful\nERROR:root:bad\nCRITICAL:root:worse\nLevel 35:root:custom\n");
}

TEST(Logging, MessageArguments) {
  LogCapture cap({.format = "%(message)s", .level = lg::INFO});
  lg::info("Thread %s: starting", 1);
  lg::info("%d%% done, %s %s", 50, std::string("x"), "y");
  lg::info("float %s bool %s", 0.5, true);
  lg::info("100% literal without args");
  lg::info("%5d|%-4s|%.2f|%r", 42, "ab", 3.14159, "q");
  EXPECT_EQ(cap.text(),
            "Thread 1: starting\n50% done, x y\nfloat 0.5 bool True\n100% literal without "
            "args\n   42|ab  |3.14|'q'\n");
  EXPECT_THROW(lg::info("%s %s", 1), pt::PythonError);
}

TEST(Logging, AsctimeDefaultAndDatefmt) {
  {
    LogCapture cap({.format = "%(asctime)s: %(message)s", .level = lg::INFO});
    lg::info("Main    : before creating thread");
    std::regex re(R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}: Main    : before creating thread\n$)");
    EXPECT_TRUE(std::regex_match(cap.text(), re)) << cap.text();
  }
  {
    LogCapture cap(
        {.format = "%(asctime)s: %(message)s", .datefmt = "%H:%M:%S", .level = lg::INFO});
    lg::info("x");
    std::regex re(R"(^\d\d:\d\d:\d\d: x\n$)");
    EXPECT_TRUE(std::regex_match(cap.text(), re)) << cap.text();
  }
}

TEST(Logging, RecordFields) {
  LogCapture cap({.format = "%(levelname)s|%(name)s|%(thread)d|%(process)d|%(threadName)s|"
                            "%(levelno)s|%(processName)s|%(taskName)s",
                  .level = lg::DEBUG});
  lg::debug("m");
  std::ostringstream want;
  want << "DEBUG|root|" << pt::get_ident() << "|" << getpid()
       << "|MainThread|10|MainProcess|None\n";
  EXPECT_EQ(cap.text(), want.str());
  EXPECT_TRUE(std::regex_match(lg::format_record(lg::INFO, "x"),
                               std::regex(R"(^INFO\|root\|\d+\|\d+\|MainThread\|20\|.*)")));
}

TEST(Logging, WidthPrecisionAndNumericFields) {
  LogCapture cap({.format = "[%(levelname)8s][%(levelname)-8s][%(levelname).3s][%(msecs)03d]",
                  .level = lg::DEBUG});
  lg::warning("w");
  std::regex re(R"(^\[ WARNING\]\[WARNING \]\[WAR\]\[\d{3}\]\n$)");
  EXPECT_TRUE(std::regex_match(cap.text(), re)) << cap.text();
}

TEST(Logging, BadFormatsRejected) {
  auto text = [](const std::string& f) {
    try {
      lg::basic_config({.format = f});
    } catch (const pt::PythonError& e) {
      lg::basic_config({});
      return std::string(e.type_name()) + ": " + e.what();
    }
    lg::basic_config({});
    return std::string("accepted");
  };
  EXPECT_EQ(text("%(lineno)d"), "ValueError: Formatting field not found in record: 'lineno'");
  EXPECT_EQ(text("%(message)"), "ValueError: incomplete format");
  EXPECT_EQ(text("%(message)s %%"), "accepted");
}

TEST(Logging, ConcurrentLinesNeverTear) {
  LogCapture cap({.format = "(%(threadName)-10s) %(message)s", .level = lg::DEBUG});
  std::vector<pt::Thread> ts;
  for (int i = 0; i < 16; ++i) {
    ts.emplace_back(pt::ThreadOptions{.name = "T" + std::to_string(i)}, [] {
      for (int n = 0; n < 200; ++n) lg::debug("line %d of a message long enough to matter", n);
    });
    ts.back().start();
  }
  for (auto& t : ts) t.join();
  std::istringstream in(cap.text());
  std::string line;
  std::regex re(R"(^\((T\d+) +\) line (\d+) of a message long enough to matter$)");
  std::map<std::string, int> next;
  int lines = 0;
  while (std::getline(in, line)) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, re)) << "torn line: " << line;
    EXPECT_EQ(std::stoi(m[2].str()), next[m[1].str()]++);  // per-thread program order
    ++lines;
  }
  EXPECT_EQ(lines, 16 * 200);
}

TEST(Logging, ForeignThreadLogsAsDummy) {
  LogCapture cap({.format = "%(threadName)s|%(message)s", .level = lg::INFO});
  std::thread([] { lg::info("from std::thread"); }).join();
  std::regex re(R"(^Dummy-\d+\|from std::thread\n$)");
  EXPECT_TRUE(std::regex_match(cap.text(), re)) << cap.text();
}
