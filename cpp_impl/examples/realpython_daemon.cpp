// Seed 002 ("Threading - with daemon"): the same program with daemon=True; the thread is
// killed at exit, so "finishing" is never logged.
//
//   x = threading.Thread(target=thread_function, args=(1,), daemon=True)
#include "example_support.hpp"

namespace pt = pythreading;
namespace logging = pythreading::logging;

void thread_function(int name) {
  logging::info("Thread %s\t:\tstarting", name);
  examples::sleep(2);
  logging::info("Thread %s\t:\tfinishing", name);
}

int program(int, char**) {
  logging::basic_config(
      {.format = "%(asctime)s: %(message)s", .datefmt = "%H:%M:%S", .level = logging::INFO});
  logging::info("Main\t\t:\tBefore creating thread");
  pt::Thread x(pt::ThreadOptions{.daemon = true, .target_name = "thread_function"}, thread_function,
               1);
  logging::info("Main\t\t:\tBefore running thread");
  x.start();
  logging::info("Main\t\t:\twait for the thread to finish");
  logging::info("Main\t\t:\tall done");
  return 0;
}

PYTHREADING_MAIN(program)
