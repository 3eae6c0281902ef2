// pythreading::sleep: time.sleep's argument checks and error texts (CPython 3.13).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>

#include "pythreading/threading.hpp"

namespace pythreading {
namespace {

template <class E>
std::string error_of(double seconds) {
  try {
    sleep(seconds);
  } catch (const E& e) {
    return e.what();
  }
  return "no error";
}

TEST(Sleep, RejectsWhatTimeSleepRejects) {
  EXPECT_EQ(error_of<ValueError>(-0.5), "sleep length must be non-negative");
  EXPECT_EQ(error_of<ValueError>(std::nan("")), "Invalid value NaN (not a number)");
  EXPECT_EQ(error_of<OverflowError>(1e300), "timestamp out of range for platform time_t");
  EXPECT_EQ(error_of<OverflowError>(std::numeric_limits<double>::infinity()),
            "timestamp out of range for platform time_t");
  EXPECT_EQ(error_of<OverflowError>(TIMEOUT_MAX * 2), "timestamp out of range for platform time_t");
}

TEST(Sleep, SleepsAtLeastTheTimeGiven) {
  const auto start = std::chrono::steady_clock::now();
  sleep(0.02);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(20));
  sleep(0);  // yields
}

}  // namespace
}  // namespace pythreading
