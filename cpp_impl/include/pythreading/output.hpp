// pythreading/output.hpp: where the library's own output goes (Python's sys.stderr for what
// threading, warnings and logging write).
//
// Everything pythreading writes by itself passes through one sink: default_excepthook's
// reports, the report of an excepthook that failed ("Exception in threading.excepthook:"),
// warnings (warnings.hpp), logging records on the default stream, and run_main's report of
// an exception escaping main. An executor or a test replaces the sink to capture or trace
// every such line; the default writes to the C stderr stream.
#pragma once

#include <functional>
#include <string_view>

namespace pythreading {

/// Receives one report: one or more whole lines, each ending in '\n' (one call per report,
/// so that a report's lines stay together). Called in the reporting thread, possibly from
/// several threads at once; must not throw.
using OutputSink = std::function<void(std::string_view text)>;

/// The default sink: writes text to the C stderr stream in one fwrite under the stream's
/// lock, then flushes it.
void write_stderr(std::string_view text) noexcept;

/// Replaces the sink (an empty one restores write_stderr). Thread-safe; a report already
/// being written may still go to the previous sink.
void set_output_sink(OutputSink sink);

/// Writes text through the current sink (what the library itself does for every report).
void write_output(std::string_view text) noexcept;

}  // namespace pythreading
