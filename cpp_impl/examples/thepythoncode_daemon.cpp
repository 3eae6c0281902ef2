// Seed 003 (thepythoncode), second program: the same loop in a daemon thread is killed when
// the main thread ends after 4 seconds (2 lines, a third one only if the 4 s tick wins).
//
//   daemon_thread = threading.Thread(target=func_1, name="daemon-thread", daemon=True)
//   daemon_thread.start()
//   time.sleep(4)
#include <cstdio>

#include "example_support.hpp"

namespace pt = pythreading;

void func_1() {
  for (;;) {
    std::printf("[%s] Printing this message every 2 seconds\n",
                pt::current_thread().name().c_str());
    std::fflush(stdout);
    examples::sleep(2);
  }
}

int program(int, char**) {
  pt::Thread daemon_thread(pt::ThreadOptions{.name = "daemon-thread", .daemon = true}, func_1);
  // or daemon_thread.set_daemon(true) before start()
  daemon_thread.start();
  examples::sleep(4);
  return 0;
}

PYTHREADING_MAIN(program)
