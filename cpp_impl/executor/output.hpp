// The program's output (specs/README.md section 8.3): every line goes whole to fd 1 or 2
// and, when a trace file is open, one JSON event per line is appended to it, both under
// one lock, each with one write(2), so the trace order is the output order.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>

#include "pythreading/errors.hpp"

namespace threadspec::executor {

/// Opens the trace file for appending (created if missing). Returns false if it cannot be
/// opened. Call before the program starts threads.
bool open_trace(const std::string& path);

/// Writes `text` and a newline to fd (1 or 2) and traces it with the calling thread's name
/// and label; a text with newlines is several lines, each traced, written together.
/// Thread-safe; lines of several threads never tear.
void emit(int fd, const std::string& text);
/// Ends the program (main, or a fork child) for an uncaught SystemExit as Python does:
/// writes its message, if system_exit_outcome gives one, on fd 2 (traced, even while
/// sys.stderr is None, as CPython 2.7 and 3 write it to the C-level stderr then) and
/// returns the exit status.
[[nodiscard]] int report_system_exit(const pythreading::PythonError& e);
/// Appends the trace's first event, {"kind": "started"}: the program starts now.
void trace_started();
/// Emits every line of a text whose lines each end in a newline (an exception report), in
/// order and together.
void emit_lines(int fd, const std::string& text);

/// Makes pythreading's program stderr and stdout (where its output, Python's sys.stderr, goes
/// unless replaced, and where the main thread's saved stderr writes) emit each line on fd 2
/// and fd 1, traced. Called once at start-up, before the program runs.
void install_program_streams();

/// Writes a report Python writes on sys.stderr itself (main's traceback, an "Exception
/// ignored" report), one line per item, through pythreading's output: so it is traced, and
/// dropped while the output is None (`set_stderr: None`), as CPython 3 drops it.
void write_stderr_report(std::initializer_list<std::string> lines);

/// os.fork() with the output lock held across it, so that the child never inherits it
/// locked; in the child, trace events carry "pid" from then on (section 8.3). Returns
/// fork()'s result.
int fork_with_output_lock();

/// The label (section 5.2) of the calling thread's lines: "main", "t[0]", or none for a
/// thread no step created.
void set_thread_label(std::optional<std::string> label);
[[nodiscard]] const std::optional<std::string>& thread_label();

/// The scenario line of the step the calling thread runs (for tracebacks).
void set_current_line(int line) noexcept;
[[nodiscard]] int current_line() noexcept;

}  // namespace threadspec::executor
