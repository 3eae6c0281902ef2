// Consumer of an installed pythreading: prints a worker's default name and exits 0.
#include <cstdio>

#include "pythreading/threading.hpp"

int main() {
  pythreading::Thread t(pythreading::ThreadOptions{.target_name = "worker"},
                        [] { std::printf("%s\n", pythreading::current_thread().name().c_str()); });
  t.start();
  t.join();
  return 0;
}
