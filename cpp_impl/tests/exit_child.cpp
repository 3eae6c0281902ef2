// A small program whose exit behaviour test_exit.cpp observes in a child process.
// Usage: exit_child MODE. Each mode mirrors a CPython shutdown behaviour.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

#include "pythreading/threading.hpp"

namespace pt = pythreading;
namespace lg = pythreading::logging;

namespace {

// A global with a destructor that daemon threads keep using while the process exits.
struct Journal {
  std::mutex mu;
  std::vector<std::string> lines;
  ~Journal() {
    std::lock_guard<std::mutex> lock(mu);
    lines.clear();
  }
};
Journal g_journal;

void pymotw_daemon() {
  lg::basic_config({.format = "(%(threadName)-10s) %(message)s", .level = lg::DEBUG});
  pt::Thread d(pt::ThreadOptions{.name = "daemon", .daemon = true}, [] {
    lg::debug("Starting");
    pt::sleep(30);
    lg::debug("Exiting");
  });
  pt::Thread t(pt::ThreadOptions{.name = "non-daemon"}, [] {
    lg::debug("Starting");
    lg::debug("Exiting");
  });
  d.start();
  t.start();
}

void start_nondaemon(double delay, const char* text) {
  pt::Thread t([delay, text] {
    pt::sleep(delay);
    std::printf("%s\n", text);
  });
  t.start();
}

int real_main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "daemon_plain" || mode == "daemon_run_main") {
    pymotw_daemon();
    return 0;
  }
  if (mode == "nondaemon_joined") {
    start_nondaemon(0.3, "worker done");
    std::printf("main done\n");
    return 0;
  }
  if (mode == "status") {
    start_nondaemon(0.2, "joined before exit");
    return 7;
  }
  if (mode == "exit_call") {
    start_nondaemon(0.2, "joined before exit");
    pt::exit(3);
  }
  if (mode == "std_exit") {
    start_nondaemon(0.2, "joined before exit");
    std::exit(5);
  }
  if (mode == "forever") {
    pt::Thread t(pt::ThreadOptions{.name = "normal_thread"}, [] {
      for (;;) {
        std::printf("[%s] tick\n", pt::current_thread().name().c_str());
        std::fflush(stdout);
        pt::sleep(0.1);
      }
    });
    t.start();
    return 0;
  }
  if (mode == "daemon_busy") {
    for (int i = 0; i < 4; ++i) {
      pt::Thread d(pt::ThreadOptions{.daemon = true}, [i] {
        for (long n = 0;; ++n) {
          {
            std::lock_guard<std::mutex> lock(g_journal.mu);
            g_journal.lines.push_back(std::to_string(n));
            if (g_journal.lines.size() > 100) g_journal.lines.clear();
          }
          if (n % 50 == 0) std::cout << "daemon " << i << " n=" << n << "\n";
          pt::local<int> scratch;
          *scratch = static_cast<int>(n);
        }
      });
      d.start();
    }
    pt::sleep(0.2);
    std::cout << "main returns" << std::endl;
    return 0;
  }
  if (mode == "chain") {  // a thread started during shutdown is joined too
    pt::Thread first([] {
      pt::sleep(0.2);
      pt::Thread second([] {
        pt::sleep(0.2);
        std::printf("second done\n");
      });
      second.start();
      std::printf("first done\n");
    });
    first.start();
    return 0;
  }
  if (mode == "join_main") {  // joining the main thread returns once main has finished
    pt::Thread waiter([] {
      pt::main_thread().join();
      std::printf("main finished\n");
    });
    waiter.start();
    pt::sleep(0.1);
    std::printf("main returns\n");
    std::fflush(stdout);
    return 0;
  }
  if (mode == "main_throws") throw pt::RuntimeError("boom");
  if (mode == "main_system_exit") throw pt::SystemExit("4");
  if (mode == "main_system_exit_msg") throw pt::SystemExit("bye");
  std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // The *_run_main, main_* and daemon_busy modes go through run_main; the others return from a
  // plain main and rely on the on_exit fallback.
  if (argc > 1 &&
      (std::strstr(argv[1], "run_main") != nullptr || std::strncmp(argv[1], "main_", 5) == 0 ||
       std::strcmp(argv[1], "daemon_busy") == 0))
    return pt::run_main(real_main, argc, argv);
  return real_main(argc, argv);
}
