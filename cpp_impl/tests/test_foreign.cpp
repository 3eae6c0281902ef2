// current_thread_if_known: the calling thread's object without registering a dummy thread.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <thread>

#include "pythreading/threading.hpp"

namespace pythreading {
namespace {

TEST(Foreign, MainThreadIsKnown) {
  auto t = current_thread_if_known();
  ASSERT_TRUE(t.has_value());
  EXPECT_TRUE(*t == current_thread());
}

TEST(Foreign, ThreadStartedByPythreadingIsKnown) {
  bool same = false;
  Thread t([&] {
    auto known = current_thread_if_known();
    same = known.has_value() && *known == current_thread();
  });
  t.start();
  t.join();
  EXPECT_TRUE(same);
}

TEST(Foreign, ForeignThreadStaysUnknownUntilItAsks) {
  const std::size_t before = active_count();
  bool unknown_first = false;
  std::size_t count_while_unknown = 0;
  std::string name_after;
  bool known_after = false;
  std::thread foreign([&] {
    unknown_first = !current_thread_if_known().has_value();
    count_while_unknown = active_count();
    name_after = current_thread().name();  // registers Dummy-N
    auto known = current_thread_if_known();
    known_after = known.has_value() && known->name() == name_after;
  });
  foreign.join();
  EXPECT_TRUE(unknown_first);
  EXPECT_EQ(count_while_unknown, before);  // asking did not register a dummy thread
  EXPECT_EQ(name_after.rfind("Dummy-", 0), 0u) << name_after;
  EXPECT_TRUE(known_after);
}

}  // namespace
}  // namespace pythreading
