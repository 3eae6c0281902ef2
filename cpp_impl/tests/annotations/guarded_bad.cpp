// Must be rejected by clang++ -Wthread-safety -Werror: data guarded by a pythreading Lock
// written without holding it, and after a try-acquire whose result was not checked.
#include "pythreading/sync.hpp"

namespace pt = pythreading;

struct Account {
  pt::Lock lock;
  long balance PYTHREADING_GUARDED_BY(lock) = 0;

  void unlocked_deposit(long n) { balance += n; }
  void unchecked_try(long n) {
    lock.acquire(false);
    balance += n;
  }
};

int main() {
  Account a;
  a.unlocked_deposit(1);
  a.unchecked_try(1);
  return 0;
}
