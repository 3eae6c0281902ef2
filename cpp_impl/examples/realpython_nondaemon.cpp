// Seed 002 ("Threading - without daemon", after realpython's intro): the main thread logs
// "all done" and the process waits for the non-daemon thread to log "finishing".
//
//   def thread_function(name):
//       logging.info("Thread %s\t:\tstarting", name)
//       time.sleep(2)
//       logging.info("Thread %s\t:\tfinishing", name)
//   format = "%(asctime)s: %(message)s"
//   logging.basicConfig(format=format, level=logging.INFO, datefmt="%H:%M:%S")
//   logging.info("Main\t\t:\tBefore creating thread")
//   x = threading.Thread(target=thread_function, args=(1,))
//   logging.info("Main\t\t:\tBefore running thread")
//   x.start()
//   logging.info("Main\t\t:\twait for the thread to finish")
//   # x.join()
//   logging.info("Main\t\t:\tall done")
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
  pt::Thread x(pt::ThreadOptions{.target_name = "thread_function"}, thread_function, 1);
  logging::info("Main\t\t:\tBefore running thread");
  x.start();
  logging::info("Main\t\t:\twait for the thread to finish");
  // x.join();
  logging::info("Main\t\t:\tall done");
  return 0;
}

PYTHREADING_MAIN(program)
