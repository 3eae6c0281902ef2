// Shared by the examples: time scaling so tests can run the documents' programs quickly.
#pragma once

#include <cstdlib>

#include "pythreading/threading.hpp"

namespace examples {

/// THREADSPEC_TIME_SCALE (default 1.0) multiplies every sleep and timeout of an example.
inline double time_scale() {
  static const double scale = [] {
    const char* s = std::getenv("THREADSPEC_TIME_SCALE");
    double v = s != nullptr ? std::atof(s) : 1.0;
    return v > 0 ? v : 1.0;
  }();
  return scale;
}

/// time.sleep(seconds), scaled.
inline void sleep(double seconds) { pythreading::sleep(seconds * time_scale()); }

/// A duration in seconds, scaled (for join timeouts).
inline double seconds(double s) { return s * time_scale(); }

}  // namespace examples
