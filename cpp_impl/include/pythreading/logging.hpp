// pythreading/logging.hpp: the part of Python's `logging` that threading programs use,
// reproducing the root logger's output byte for byte.
//
//   logging.basicConfig(level=logging.DEBUG, format='(%(threadName)-10s) %(message)s')
//   -> pythreading::logging::basic_config({.format = "(%(threadName)-10s) %(message)s",
//                                         .level = pythreading::logging::DEBUG});
//   logging.debug('Starting')            -> pythreading::logging::debug("Starting");
//   logging.info("Thread %s: start", n)  -> pythreading::logging::info("Thread %s: start", n);
//
// Format: Python %-style with `%(key)` fields, optional flags [-0+ #], width and .precision,
// conversion s, d, i, f, r (r quotes like repr of a str). Keys: name ("root"), levelno,
// levelname, message, asctime, msecs, created, relativeCreated, thread (get_ident()),
// threadName (current_thread().name()), process, processName ("MainProcess"), taskName
// (None). `%%` is a literal %. Other keys (filename, lineno, funcName, module, pathname) need
// Python frames: basic_config throws ValueError("Formatting field not found in record: 'k'")
// for them, as Python's formatter reports an unknown key.
// asctime: strftime(datefmt) in local time; without datefmt "%Y-%m-%d %H:%M:%S" followed by
// ",mmm" (milliseconds), Python's default.
// Messages: with no arguments the message is used verbatim (as Python, which only applies
// `msg % args` when args are given); with arguments, `%s`, `%d`, `%i`, `%r`, `%f` (with
// flags/width/precision) and `%%` are substituted, each argument converted as Python's str()
// would (integers, floating point as Python repr, bool as True/False, strings).
//
// Each record is written whole (through the output sink, or with one fwrite under the given
// stream's lock, then flushed), so lines of threads logging at once never tear. All functions
// are thread-safe; configuring while other threads log is safe (they use the old or the new
// configuration).
#pragma once

#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace pythreading::logging {

inline constexpr int CRITICAL = 50;
inline constexpr int FATAL = CRITICAL;
inline constexpr int ERROR = 40;
inline constexpr int WARNING = 30;
inline constexpr int WARN = WARNING;
inline constexpr int INFO = 20;
inline constexpr int DEBUG = 10;
inline constexpr int NOTSET = 0;

/// logging.BASIC_FORMAT.
inline constexpr const char* BASIC_FORMAT = "%(levelname)s:%(name)s:%(message)s";

/// logging.basicConfig's arguments.
struct Config {
  std::string format = BASIC_FORMAT;
  std::string datefmt{};  ///< empty: Python's default "%Y-%m-%d %H:%M:%S,mmm"
  int level = WARNING;
  /// nullptr (Python's sys.stderr): the library's output sink (output.hpp), which writes to
  /// stderr unless replaced; otherwise records go to this stream.
  std::FILE* stream = nullptr;
};

/// Configures the root logger. Unlike Python's basicConfig, which does nothing once a handler
/// exists, every call replaces the configuration (use force-like semantics; tests rely on it).
/// Throws ValueError for a malformed format ("Formatting field not found in record: 'k'",
/// "incomplete format", "unsupported format character 'c'").
void basic_config(const Config& config);
/// The root logger's level (logging.getLogger().level) and setLevel.
int level() noexcept;
void set_level(int level) noexcept;
/// Python's logging.getLevelName for the five standard levels ("Level N" otherwise).
std::string level_name(int level);

/// Formats one record with the current configuration (what log() would write, without the
/// trailing newline). Exposed for tests and executors.
std::string format_record(int level, std::string_view message);
/// Logs `message` at `level` if level >= the configured level: one write of
/// format_record(...) + "\n".
void log(int level, std::string_view message);

namespace detail {
/// One argument of a %-formatted message, as Python would see it.
struct Arg {
  enum class Kind { kStr, kInt, kFloat } kind = Kind::kStr;
  std::string str;
  long long i = 0;
  double f = 0;
};
template <class T>
Arg to_arg(const T& v) {
  Arg a;
  if constexpr (std::is_same_v<T, bool>) {
    a.kind = Arg::Kind::kInt;
    a.i = v ? 1 : 0;
    a.str = v ? "True" : "False";
  } else if constexpr (std::is_integral_v<T>) {
    a.kind = Arg::Kind::kInt;
    a.i = static_cast<long long>(v);
    a.str = std::to_string(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    a.kind = Arg::Kind::kFloat;
    a.f = static_cast<double>(v);
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    a.str = std::string(std::string_view(v));
  } else {
    std::ostringstream os;
    os << v;
    a.str = os.str();
  }
  return a;
}
/// Python's `msg % args`. Throws ValueError/TypeError-like pythreading::Exception on a
/// mismatch ("not enough arguments for format string").
std::string percent_format(std::string_view msg, const std::vector<Arg>& args);
}  // namespace detail

/// log(level, msg % args): formatting happens only if the record is emitted.
template <class... A>
void log(int lvl, std::string_view msg, const A&... args) {
  if constexpr (sizeof...(A) == 0) {
    log(lvl, msg);
  } else {
    if (lvl < level()) return;
    log(lvl, detail::percent_format(msg, {detail::to_arg(args)...}));
  }
}
template <class... A>
void debug(std::string_view msg, const A&... args) {
  log(DEBUG, msg, args...);
}
template <class... A>
void info(std::string_view msg, const A&... args) {
  log(INFO, msg, args...);
}
template <class... A>
void warning(std::string_view msg, const A&... args) {
  log(WARNING, msg, args...);
}
template <class... A>
void error(std::string_view msg, const A&... args) {
  log(ERROR, msg, args...);
}
template <class... A>
void critical(std::string_view msg, const A&... args) {
  log(CRITICAL, msg, args...);
}

}  // namespace pythreading::logging
