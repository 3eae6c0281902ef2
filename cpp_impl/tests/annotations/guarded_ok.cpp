// Must compile without a diagnostic under clang++ -Wthread-safety -Werror: data guarded by
// pythreading's Lock, RLock and Condition, accessed while they are held.
#include "pythreading/sync.hpp"

namespace pt = pythreading;

struct Account {
  pt::Lock lock;
  long balance PYTHREADING_GUARDED_BY(lock) = 0;
  pt::RLock rlock;
  long audits PYTHREADING_GUARDED_BY(rlock) = 0;
  pt::Condition cond;
  bool ready PYTHREADING_GUARDED_BY(cond) = false;

  void deposit(long n) {
    pt::Guard<pt::Lock> hold(lock);
    balance += n;
  }
  long read() {
    lock.acquire();
    long b = balance;
    lock.release();
    return b;
  }
  bool try_deposit(long n) {
    if (!lock.acquire(true, 0.5)) return false;
    balance += n;
    lock.release();
    return true;
  }
  void audit() {
    rlock.lock();
    ++audits;
    rlock.unlock();
  }
  void publish() {
    pt::Guard<pt::Condition> hold(cond);
    ready = true;
    cond.notify_all();
  }
};

int main() {
  Account a;
  a.deposit(1);
  a.audit();
  a.publish();
  return a.try_deposit(1) && a.read() == 2 ? 0 : 1;
}
