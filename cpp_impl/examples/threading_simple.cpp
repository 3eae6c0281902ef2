// PyMOTW "threading_simple.py" (seed 001): five threads, each prints "Worker".
//
//   def worker():
//       print('Worker')
//   threads = []
//   for i in range(5):
//       t = threading.Thread(target=worker)
//       threads.append(t)
//       t.start()
#include <cstdio>
#include <vector>

#include "example_support.hpp"

namespace pt = pythreading;

void worker() { std::printf("Worker\n"); }

int main(int argc, char** argv) {
  return pt::run_main(
      [](int, char**) {
        std::vector<pt::Thread> threads;
        for (int i = 0; i < 5; ++i) {
          pt::Thread t(pt::ThreadOptions{.target_name = "worker"}, worker);
          threads.push_back(t);
          t.start();
        }
        return 0;  // non-daemon threads are joined at exit, as in Python
      },
      argc, argv);
}
