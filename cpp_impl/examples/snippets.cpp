// Seed 000 (notes on threading): the snippets on daemon, ident / native_id, names,
// enumerate, active_count and the exception hook, as one program.
//
//   thread = Thread(daemon=True); thread.daemon = True
//   id = get_native_id(); id = get_ident()
//   thread = Thread(name='MyThread'); thread.name = "threadName"
//   for thread in threading.enumerate(): print(thread.name)
//   print(active_count())
//   def custom_hook(args): print(f'Thread failed: {args.exc_value}')
//   threading.excepthook = custom_hook
#include <cstdio>

#include "example_support.hpp"

namespace pt = pythreading;

int program(int, char**) {
  // daemon
  pt::Thread thread(pt::ThreadOptions{.daemon = true});
  thread.set_daemon(true);
  std::printf("daemon: %s\n", thread.daemon() ? "True" : "False");

  // ident / native_id: None before start, integers after
  std::printf("ident before start: %s\n", thread.ident() ? "set" : "None");
  thread.start();
  thread.join();
  std::printf("ident: %llu native_id: %llu\n",
              static_cast<unsigned long long>(thread.ident().value_or(0)),
              static_cast<unsigned long long>(thread.native_id().value_or(0)));
  std::printf("get_native_id: %llu get_ident: %llu\n",
              static_cast<unsigned long long>(pt::get_native_id()),
              static_cast<unsigned long long>(pt::get_ident()));

  // names
  pt::Thread named(pt::ThreadOptions{.name = "MyThread"});
  std::printf("name: %s\n", named.name().c_str());
  named.set_name("threadName");
  std::printf("name: %s\n", named.name().c_str());

  // enumerate / active_count, with one worker parked on a timer
  pt::Timer parked(examples::seconds(0.5), [] {});
  parked.set_name("parked");
  parked.start();
  for (const pt::Thread& t : pt::enumerate()) std::printf("%s\n", t.name().c_str());
  std::printf("%zu\n", pt::active_count());
  parked.cancel();
  parked.join();

  // exception hook
  pt::set_excepthook([](const pt::ExceptHookArgs& args) {
    std::printf("Thread failed: %s\n", args.exc_value.c_str());
  });
  pt::Thread failing([] { throw pt::RuntimeError("Something bad happened"); });
  failing.start();
  failing.join();
  std::printf("main continues\n");
  return 0;
}

PYTHREADING_MAIN(program)
