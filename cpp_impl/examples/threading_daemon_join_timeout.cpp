// PyMOTW "threading_daemon_join_timeout.py" (seed 001): join(1) returns while the daemon
// still sleeps, so it is still alive; it is then killed at exit.
//
//   d.join(1)
//   print('d.isAlive()', d.isAlive())     # is_alive() since Python 3.9
//   t.join()
#include <cstdio>

#include "example_support.hpp"

namespace pt = pythreading;
namespace logging = pythreading::logging;

namespace doc {  // `daemon` alone would clash with POSIX daemon(3)

void daemon() {
  logging::debug("Starting");
  examples::sleep(2);
  logging::debug("Exiting");
}

void non_daemon() {
  logging::debug("Starting");
  logging::debug("Exiting");
}

}  // namespace doc

int program(int, char**) {
  logging::basic_config({.format = "(%(threadName)-10s) %(message)s", .level = logging::DEBUG});
  pt::Thread d(pt::ThreadOptions{.name = "daemon"}, doc::daemon);
  d.set_daemon(true);
  pt::Thread t(pt::ThreadOptions{.name = "non-daemon"}, doc::non_daemon);
  d.start();
  t.start();
  d.join(examples::seconds(1));
  std::printf("d.is_alive() %s\n", d.is_alive() ? "True" : "False");
  t.join();
  return 0;
}

PYTHREADING_MAIN(program)
