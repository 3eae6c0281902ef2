// PyMOTW "threading_daemon.py" (seed 001): the daemon thread is killed at exit, so its
// "Exiting" is never logged.
//
//   logging.basicConfig(level=logging.DEBUG, format='(%(threadName)-10s) %(message)s')
//   def daemon():
//       logging.debug('Starting'); time.sleep(2); logging.debug('Exiting')
//   d = threading.Thread(name='daemon', target=daemon)
//   d.setDaemon(True)
//   def non_daemon():
//       logging.debug('Starting'); logging.debug('Exiting')
//   t = threading.Thread(name='non-daemon', target=non_daemon)
//   d.start(); t.start()
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
  d.set_daemon(true);  // the document's d.setDaemon(True), deprecated since Python 3.10
  pt::Thread t(pt::ThreadOptions{.name = "non-daemon"}, doc::non_daemon);
  d.start();
  t.start();
  return 0;
}

PYTHREADING_MAIN(program)
