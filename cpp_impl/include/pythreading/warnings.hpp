// pythreading/warnings.hpp: the part of Python's `warnings` that threading uses: the
// DeprecationWarning of each legacy name (getName, setName, isDaemon, setDaemon, isSet,
// notifyAll, activeCount, currentThread), with CPython 3.13's texts.
//
// A legacy call warns at run time as Python's warnings.warn(message, DeprecationWarning,
// stacklevel=2) does under the "default" action (what a __main__ module sees): the first
// call from each location (file, line) writes
//     FILE:LINE: DeprecationWarning: MESSAGE
// through the library's output sink (output.hpp); later calls from the same location write
// nothing. The location is the C++ call site (each legacy function takes a defaulted
// CallSite), unless a location resolver says otherwise: an interpreter of another language
// reports its own program's lines. C++ callers also get the compile-time [[deprecated]].
// CPython also prints the source line when it can read the file; pythreading does not.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace pythreading::warnings {

/// The source location of a call: a defaulted parameter `CallSite where = {}` records the
/// caller's file and line (GCC and Clang evaluate the builtins at the call site).
struct CallSite {
  constexpr CallSite(const char* file = __builtin_FILE(), unsigned line = __builtin_LINE()) noexcept
      : file(file), line(line) {}
  const char* file;
  unsigned line;
};

/// Where a warning points (Python's filename and lineno).
struct Location {
  std::string filename;
  long lineno = 0;
};

/// Returns the location to report for a warning raised now in the calling thread, or
/// std::nullopt to use the C++ call site. Called in the warning thread; must not throw.
using LocationResolver = std::function<std::optional<Location>()>;
/// Sets the resolver (an empty one restores the C++ call sites). Thread-safe.
void set_location_resolver(LocationResolver resolver);

/// What a warning does (Python's warnings filter actions, applied to every warning of the
/// library): kDefault prints once per location; kAlways every time; kOnce once per
/// message, wherever raised; kIgnore never; kError throws
/// pythreading::Exception("DeprecationWarning", message) instead of printing.
enum class Action { kDefault, kAlways, kOnce, kIgnore, kError };
/// Python's warnings.simplefilter(action, DeprecationWarning). Thread-safe.
void simplefilter(Action action);
/// Forgets which locations and messages have warned (Python's __warningregistry__ cleared)
/// and restores Action::kDefault. Thread-safe.
void resetwarnings();

/// The text of a warning: "FILENAME:LINENO: CATEGORY: MESSAGE\n" (warnings.formatwarning
/// without the source line).
std::string formatwarning(std::string_view message, std::string_view category,
                          const Location& where);

/// warnings.warn(message, DeprecationWarning, stacklevel=2) from `where` (the caller of the
/// deprecated function), applying the action. Throws only for Action::kError.
void warn_deprecated(std::string_view message, CallSite where);

}  // namespace pythreading::warnings
