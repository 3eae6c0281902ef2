// PyMOTW "threading_simpleargs.py" (seed 001): a thread per number, printing "Worker: N".
//
//   def worker(num):
//       print('Worker: %s' % num)
//   for i in range(5):
//       t = threading.Thread(target=worker, args=(i,))
//       threads.append(t)
//       t.start()
#include <cstdio>
#include <vector>

#include "example_support.hpp"

namespace pt = pythreading;

void worker(int num) { std::printf("Worker: %d\n", num); }

int main(int argc, char** argv) {
  return pt::run_main(
      [](int, char**) {
        std::vector<pt::Thread> threads;
        for (int i = 0; i < 5; ++i) {
          pt::Thread t(pt::ThreadOptions{.target_name = "worker"}, worker, i);
          threads.push_back(t);
          t.start();
        }
        return 0;
      },
      argc, argv);
}
