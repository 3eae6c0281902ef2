// Seed 004 (a note on realpython's intro, "Thread Usage"): the non-daemon version with the
// note's message spacing, and x.join() left commented out.
//
//   logging.info("Main    : before creating thread")
//   x = threading.Thread(target=thread_function, args=(1,))
//   logging.info("Main    : before running thread")
//   x.start()
//   logging.info("Main    : wait for the thread to finish")
//   # x.join()
//   logging.info("Main    : all done")
#include "example_support.hpp"

namespace pt = pythreading;
namespace logging = pythreading::logging;

void thread_function(int name) {
  logging::info("Thread %s: starting", name);
  examples::sleep(2);
  logging::info("Thread %s: finishing", name);
}

int program(int, char**) {
  logging::basic_config(
      {.format = "%(asctime)s: %(message)s", .datefmt = "%H:%M:%S", .level = logging::INFO});
  logging::info("Main    : before creating thread");
  pt::Thread x(pt::ThreadOptions{.target_name = "thread_function"}, thread_function, 1);
  logging::info("Main    : before running thread");
  x.start();
  logging::info("Main    : wait for the thread to finish");
  logging::info("Main    : all done");
  return 0;
}

PYTHREADING_MAIN(program)
