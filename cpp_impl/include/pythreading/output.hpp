// pythreading/output.hpp: where the library's own output goes (Python's sys.stderr for what
// threading, warnings and logging write).
//
// Everything pythreading writes by itself passes through one sink: default_excepthook's
// reports, the report of an excepthook that failed ("Exception in threading.excepthook:"),
// warnings (warnings.hpp), logging records on the default stream, and run_main's report of
// an exception escaping main. An executor or a test replaces the sink to capture or trace
// every such line; the default writes to the C stderr stream. The output can also be None
// (Python's `sys.stderr = None`): then the library writes nothing, except that a thread's
// exception report goes to the output that was current when its Thread was created.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

namespace pythreading {

/// Receives one report: one or more whole lines, each ending in '\n' (one call per report,
/// so that a report's lines stay together). Called in the reporting thread, possibly from
/// several threads at once; must not throw.
using OutputSink = std::function<void(std::string_view text)>;

/// A reference to an output, as Python holds a reference to a stream (sys.stderr, a
/// Thread's saved stderr): a sink, or null for None.
using OutputRef = std::shared_ptr<const OutputSink>;

/// The default sink: writes text to the C stderr stream in one fwrite under the stream's
/// lock, then flushes it.
void write_stderr(std::string_view text) noexcept;

/// Replaces the sink (an empty one restores write_stderr); the output is no longer None.
/// Thread-safe; a report already being written may still go to the previous sink.
void set_output_sink(OutputSink sink);

/// Python's `sys.stderr = None`: write_output drops everything until set_output_sink is
/// called again (default_excepthook's fallback: thread.hpp). Thread-safe.
void set_output_none();

/// The current output: the sink, or null while it is None (set_output_none). Thread-safe.
[[nodiscard]] OutputRef current_output();

/// Writes text through the current sink (what the library itself does for every report);
/// writes nothing while the output is None.
void write_output(std::string_view text) noexcept;

/// Writes text through `out` (nothing when it is null). A sink that throws makes the text
/// go to write_stderr instead.
void write_output_to(const OutputRef& out, std::string_view text) noexcept;

}  // namespace pythreading
