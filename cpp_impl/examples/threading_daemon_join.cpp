// PyMOTW "threading_daemon_join.py" (seed 001): joining the daemon lets it log "Exiting".
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
  d.join();
  t.join();
  return 0;
}

PYTHREADING_MAIN(program)
