// Seed 003 (thepythoncode, "Daemon Threads in Python"), first program: a non-daemon thread
// prints forever, so the process never exits after main ends. Never finishes on purpose:
// built, but not run by the tests (test_exit.cpp checks this behaviour with a deadline).
//
//   def func():
//       while True:
//           print(f"[{threading.current_thread().name}] Printing this message every 2 seconds")
//           time.sleep(2)
//   normal_thread = threading.Thread(target=func, name="normal_thread")
//   normal_thread.start()
//   time.sleep(4)
#include <cstdio>

#include "example_support.hpp"

namespace pt = pythreading;

void func() {
  for (;;) {
    std::printf("[%s] Printing this message every 2 seconds\n",
                pt::current_thread().name().c_str());
    std::fflush(stdout);  // Python's print to a terminal is line buffered
    examples::sleep(2);
  }
}

int program(int, char**) {
  pt::Thread normal_thread(pt::ThreadOptions{.name = "normal_thread"}, func);
  normal_thread.start();
  examples::sleep(4);
  return 0;
}

PYTHREADING_MAIN(program)
