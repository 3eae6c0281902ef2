// internal/report.hpp: the reports the library writes itself (a thread's exception through
// the excepthook, an uncaught exception in main), all through the output sink (output.hpp).
#pragma once

#include <exception>
#include <string>
#include <string_view>

#include "pythreading/thread.hpp"

namespace pythreading::internal {

/// The two lines that stand for CPython's traceback, which C++ cannot produce.
inline constexpr std::string_view kNoTraceback =
    "Traceback (most recent call last):\n  (C++: no traceback available)\n";

/// "TypeName: message\n" ("TypeName\n" when the message is empty), as Python's last line.
std::string exception_line(const ExceptHookArgs& args);

/// Runs the current excepthook for an exception that escaped `thread`'s run(). If the hook
/// itself throws, reports that as CPython does ("Exception in threading.excepthook:"). Never
/// throws (out of memory while reporting gives up silently).
void invoke_excepthook(std::exception_ptr error, const Thread& thread) noexcept;

}  // namespace pythreading::internal
