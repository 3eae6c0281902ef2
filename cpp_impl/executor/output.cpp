#include "output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>

#include "pythreading/foreign.hpp"
#include "pythreading/output.hpp"
#include "value.hpp"

namespace threadspec::executor {

namespace {

const auto kStart = std::chrono::steady_clock::now();
std::mutex g_output;
int g_trace_fd = -1;
long long g_seq = 0;
thread_local std::optional<std::string> tl_label;
thread_local int tl_line = 0;

void write_all(int fd, const std::string& data) {
  for (std::size_t off = 0; off < data.size();) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace

namespace {
long long g_child_pid = 0;  // set in a forked child
}  // namespace

int fork_with_output_lock() {
  std::lock_guard lock(g_output);
  const pid_t pid = ::fork();
  if (pid == 0) g_child_pid = ::getpid();
  return pid;
}

bool open_trace(const std::string& path) {
  g_trace_fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  return g_trace_fd >= 0;
}

namespace {

/// Writes one line and its trace event; g_output is held.
void emit_locked(int fd, const std::string& text,
                 const std::optional<pythreading::Thread>& thread) {
  using nlohmann::json;
  write_all(fd, text + "\n");
  if (g_trace_fd < 0) return;
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - kStart).count();
  json event = {{"seq", g_seq++},
                {"t", t},
                {"kind", "line"},
                {"stream", fd == 1 ? "stdout" : "stderr"},
                {"text", text},
                {"thread", thread ? json(thread->name()) : json(nullptr)},
                {"label", tl_label ? json(*tl_label) : json(nullptr)}};
  if (g_child_pid != 0) event["pid"] = g_child_pid;
  write_all(g_trace_fd, event.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
}

}  // namespace

void emit(int fd, const std::string& text) {
  // The thread's object if it has one: the trace must not make a foreign thread a dummy.
  const std::optional<pythreading::Thread> thread = pythreading::current_thread_if_known();
  std::lock_guard lock(g_output);
  for (std::size_t start = 0;;) {
    const std::size_t end = text.find('\n', start);
    emit_locked(fd, text.substr(start, end - start), thread);
    if (end == std::string::npos) return;
    start = end + 1;
  }
}

void trace_started() {
  using nlohmann::json;
  std::lock_guard lock(g_output);
  if (g_trace_fd < 0) return;
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - kStart).count();
  write_all(g_trace_fd, json{{"seq", g_seq++}, {"t", t}, {"kind", "started"}}.dump() + "\n");
}

void emit_lines(int fd, const std::string& text) {
  if (text.empty()) return;
  emit(fd, text.back() == '\n' ? text.substr(0, text.size() - 1) : text);
}

void install_program_streams() {
  pythreading::set_stderr_writer([](std::string_view text) { emit_lines(2, std::string(text)); });
  pythreading::set_stdout_writer([](std::string_view text) { emit_lines(1, std::string(text)); });
}

void write_stderr_report(std::initializer_list<std::string> lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  pythreading::write_output(text);
}

void set_thread_label(std::optional<std::string> label) { tl_label = std::move(label); }
const std::optional<std::string>& thread_label() { return tl_label; }
void set_current_line(int line) noexcept { tl_line = line; }
int current_line() noexcept { return tl_line; }

int report_system_exit(const pythreading::PythonError& e) {
  const SystemExitOutcome outcome = system_exit_outcome(e);
  if (outcome.message) emit_lines(2, *outcome.message + "\n");
  return outcome.status;
}

}  // namespace threadspec::executor
