// pythreading/output.hpp: where the library's own output goes (Python's sys.stderr for what
// threading, warnings and logging write).
//
// Everything pythreading writes by itself passes through one output: default_excepthook's
// reports, the report of an excepthook that failed ("Exception in threading.excepthook:"),
// warnings (warnings.hpp), logging records on the default stream, and run_main's report of
// an exception escaping main. An executor or a test replaces the output's sink to capture or
// trace every such line; the default is the program's own stderr, which writes to the C
// stderr stream unless set_stderr_writer redirects it.
//
// The output can also be None (Python's `sys.stderr = None`). Then, as CPython 3.8-3.13:
// - a thread's exception report goes to the output that was current when its Thread was
//   created (CPython's Thread._stderr), and is dropped when that was None too;
// - a failing excepthook's header line goes to that saved output too, or, when it was None,
//   to the program's stdout (CPython's print(file=None)); the hook error's own report
//   (sys.excepthook's traceback) is dropped;
// - everything else is dropped: warnings, run_main's report, and also log records, unlike
//   CPython, whose logging handlers keep the stream they were created with (the spec leaves
//   logging unspecified while stderr is None).
// What the interpreter itself writes to the C-level stderr whatever sys.stderr is (sys.exit's
// message) is not the library's: its embedder writes it.
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

/// Replaces the sink (an empty one restores the program's own stderr); the output is no
/// longer None. Thread-safe; a report already being written may still go to the previous sink.
void set_output_sink(OutputSink sink);

/// Redirects the program's own stderr (an empty writer restores write_stderr), as a process
/// redirects its fd 2: the output current at start-up, the output the main thread saved, the
/// output of every Thread created while it was current, and what set_output_sink({})
/// restores all write through `writer` from then on; a writer that throws makes the text go
/// to write_stderr instead. Thread-safe.
void set_stderr_writer(OutputSink writer);

/// The default stdout writer: writes text to the C stdout stream in one fwrite under the
/// stream's lock, then flushes it.
void write_stdout(std::string_view text) noexcept;

/// Redirects the program's stdout (an empty writer restores write_stdout). Thread-safe.
void set_stdout_writer(OutputSink writer);

/// Writes text on the program's stdout: where Python's print(file=None) goes. The library
/// writes there only a failing excepthook's header while both the output and the thread's
/// saved output are None. A writer that throws makes the text go to write_stdout instead.
void write_program_stdout(std::string_view text) noexcept;

/// Python's `sys.stderr = None`: write_output drops everything (warnings and log records
/// included) until set_output_sink is called again; the exceptions are listed at the top of
/// this file. Thread-safe.
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
