// pythreading::logging: Python's root logger with basicConfig, byte-identical records.
#include "pythreading/logging.hpp"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pythreading/errors.hpp"
#include "pythreading/output.hpp"
#include "pythreading/thread.hpp"
#include "pythreading/thread_annotations.hpp"

namespace pythreading::logging {
namespace {

/// One `%[flags][width][.precision]conv` specification.
struct Spec {
  bool left = false, zero = false, plus = false, space = false, alt = false;
  int width = -1;
  int precision = -1;
  char conv = 's';
};

/// A literal run or one `%(key)spec` field of the record format.
struct Piece {
  std::string literal;
  std::string key;  // empty: literal
  Spec spec;
};

struct Compiled {
  std::vector<Piece> pieces;
  std::string datefmt;
  std::FILE* stream = nullptr;  // nullptr: the output sink
  bool uses_time = false;
};

const char* const kKnownKeys[] = {"name",    "levelno",    "levelname", "message",
                                  "asctime", "msecs",      "created",   "relativeCreated",
                                  "thread",  "threadName", "process",   "processName",
                                  "taskName"};

/// Parses flags/width/precision/conversion at fmt[i] (just after '%' or after "(key)").
Spec parse_spec(std::string_view fmt, std::size_t& i) {
  Spec s;
  for (; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c == '-') {
      s.left = true;
    } else if (c == '0') {
      s.zero = true;
    } else if (c == '+') {
      s.plus = true;
    } else if (c == ' ') {
      s.space = true;
    } else if (c == '#') {
      s.alt = true;
    } else {
      break;
    }
  }
  auto read_int = [&](int& out) {
    if (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') {
      out = 0;
      while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') out = out * 10 + (fmt[i++] - '0');
    }
  };
  read_int(s.width);
  if (i < fmt.size() && fmt[i] == '.') {
    ++i;
    s.precision = 0;
    read_int(s.precision);
  }
  // Python accepts (and ignores) a length modifier.
  while (i < fmt.size() && (fmt[i] == 'l' || fmt[i] == 'h' || fmt[i] == 'L')) ++i;
  if (i >= fmt.size()) throw ValueError("incomplete format");
  s.conv = fmt[i++];
  static const std::string_view kConvs = "sdiurfFeEgGxXoac";
  if (kConvs.find(s.conv) == std::string_view::npos) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "unsupported format character '%c' (0x%x) at index %zu", s.conv,
                  static_cast<unsigned char>(s.conv), i - 1);
    throw ValueError(buf);
  }
  return s;
}

std::shared_ptr<const Compiled> compile(const Config& c) {
  auto out = std::make_shared<Compiled>();
  out->datefmt = c.datefmt;
  out->stream = c.stream;
  std::string_view f = c.format;
  std::string lit;
  for (std::size_t i = 0; i < f.size();) {
    if (f[i] != '%') {
      lit += f[i++];
      continue;
    }
    if (i + 1 < f.size() && f[i + 1] == '%') {
      lit += '%';
      i += 2;
      continue;
    }
    if (i + 1 >= f.size() || f[i + 1] != '(')
      throw ValueError("format requires a mapping");  // Python: `%s` in a record format
    std::size_t close = f.find(')', i + 2);
    if (close == std::string_view::npos) throw ValueError("incomplete format key");
    std::string key(f.substr(i + 2, close - i - 2));
    bool known = false;
    for (const char* k : kKnownKeys) known = known || key == k;
    if (!known) throw ValueError("Formatting field not found in record: '" + key + "'");
    i = close + 1;
    Piece p;
    p.spec = parse_spec(f, i);
    p.key = std::move(key);
    if (p.key == "asctime") out->uses_time = true;
    if (!lit.empty()) out->pieces.push_back(Piece{std::move(lit), {}, {}});
    lit.clear();
    out->pieces.push_back(std::move(p));
  }
  if (!lit.empty()) out->pieces.push_back(Piece{std::move(lit), {}, {}});
  return out;
}

pythreading::detail::AnnotatedMutex g_mu;
std::shared_ptr<const Compiled>* g_config PYTHREADING_GUARDED_BY(g_mu) = nullptr;  // leaked
std::atomic<int> g_level{WARNING};
const std::int64_t g_start_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();

std::shared_ptr<const Compiled> current_config() {
  pythreading::detail::AnnotatedLock lock(g_mu);
  if (g_config == nullptr) g_config = new std::shared_ptr<const Compiled>(compile(Config{}));
  return *g_config;
}

/// Python's repr(float): shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e16.
std::string float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, r.ptr);  // e.g. "-1.2345e+02"
  std::size_t e = sci.find('e');
  int exp = std::stoi(sci.substr(e + 1));
  std::string mant = sci.substr(0, e);
  bool neg = !mant.empty() && mant[0] == '-';
  if (neg) mant.erase(0, 1);
  std::string digits;
  for (char ch : mant)
    if (ch != '.') digits += ch;
  std::string out;
  if (exp >= -4 && exp < 16) {
    if (exp < 0) {
      out = "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
    } else if (static_cast<std::size_t>(exp) + 1 >= digits.size()) {
      out = digits + std::string(static_cast<std::size_t>(exp) + 1 - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, static_cast<std::size_t>(exp) + 1) + "." +
            digits.substr(static_cast<std::size_t>(exp) + 1);
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    out += eb;
  }
  return neg ? "-" + out : out;
}

std::size_t display_width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;  // code points
  return n;
}

std::string pad(std::string s, const Spec& spec) {
  if (spec.width < 0) return s;
  std::size_t w = display_width(s);
  auto width = static_cast<std::size_t>(spec.width);
  if (w >= width) return s;
  std::string fill(width - w, ' ');
  return spec.left ? s + fill : fill + s;
}

std::string repr_str(const std::string& s) {
  char q = (s.find('\'') != std::string::npos && s.find('"') == std::string::npos) ? '"' : '\'';
  std::string out(1, q);
  for (char c : s) {
    if (c == '\\' || c == q) {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out + q;
}

std::string printf_num(const Spec& s, bool is_int, long long i, double f) {
  std::string fmt = "%";
  if (s.left) fmt += '-';
  if (s.zero) fmt += '0';
  if (s.plus) fmt += '+';
  if (s.space) fmt += ' ';
  if (s.alt) fmt += '#';
  if (s.width >= 0) fmt += std::to_string(s.width);
  if (s.precision >= 0) {
    fmt += '.';
    fmt += std::to_string(s.precision);
  }
  char conv = s.conv == 'i' || s.conv == 'u' ? 'd' : s.conv;
  char buf[512];
  if (is_int) {
    fmt += "ll";
    fmt += conv;
    std::snprintf(buf, sizeof buf, fmt.c_str(), i);
  } else {
    fmt += conv;
    std::snprintf(buf, sizeof buf, fmt.c_str(), f);
  }
  return buf;
}

/// Formats one value as Python's `%spec` would.
std::string format_value(const detail::Arg& a, const Spec& s) {
  using K = detail::Arg::Kind;
  switch (s.conv) {
    case 's':
    case 'r':
    case 'a': {
      std::string v = a.kind == K::kFloat ? float_repr(a.f) : a.str;
      if (s.conv != 's' && a.kind == K::kStr) v = repr_str(v);
      if (s.precision >= 0 && static_cast<std::size_t>(s.precision) < v.size())
        v.resize(static_cast<std::size_t>(s.precision));
      return pad(std::move(v), s);
    }
    case 'c':
      return pad(a.str.substr(0, 1), s);
    case 'd':
    case 'i':
    case 'u':
    case 'x':
    case 'X':
    case 'o': {
      if (a.kind == K::kStr)
        throw Exception("TypeError", "%" + std::string(1, s.conv) +
                                         " format: a real number is required, not str");
      long long v = a.kind == K::kInt ? a.i : static_cast<long long>(std::trunc(a.f));
      return printf_num(s, true, v, 0);
    }
    default: {  // f F e E g G
      if (a.kind == K::kStr) throw Exception("TypeError", "must be real number, not str");
      double v = a.kind == K::kInt ? static_cast<double>(a.i) : a.f;
      return printf_num(s, false, 0, v);
    }
  }
}

detail::Arg str_arg(std::string s) {
  detail::Arg a;
  a.str = std::move(s);
  return a;
}
detail::Arg int_arg(long long v) {
  detail::Arg a;
  a.kind = detail::Arg::Kind::kInt;
  a.i = v;
  a.str = std::to_string(v);
  return a;
}
detail::Arg float_arg(double v) {
  detail::Arg a;
  a.kind = detail::Arg::Kind::kFloat;
  a.f = v;
  return a;
}

std::string format_with(const Compiled& c, int lvl, std::string_view message) {
  std::int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  double created = static_cast<double>(ns) / 1e9;
  double msecs = static_cast<double>((ns / 1000000) % 1000);
  std::string asctime;
  if (c.uses_time) {
    std::time_t secs = static_cast<std::time_t>(ns / 1000000000);
    std::tm tm{};
    localtime_r(&secs, &tm);
    char buf[256];
    const std::string& df = c.datefmt.empty() ? std::string("%Y-%m-%d %H:%M:%S") : c.datefmt;
    std::size_t n = std::strftime(buf, sizeof buf, df.c_str(), &tm);
    asctime.assign(buf, n);
    if (c.datefmt.empty()) {
      char ms[8];
      std::snprintf(ms, sizeof ms, ",%03d", static_cast<int>(msecs));
      asctime += ms;
    }
  }
  std::string out;
  for (const Piece& p : c.pieces) {
    if (p.key.empty()) {
      out += p.literal;
      continue;
    }
    detail::Arg a;
    const std::string& k = p.key;
    if (k == "message") {
      a = str_arg(std::string(message));
    } else if (k == "threadName") {
      a = str_arg(current_thread().name());
    } else if (k == "levelname") {
      a = str_arg(level_name(lvl));
    } else if (k == "asctime") {
      a = str_arg(asctime);
    } else if (k == "name") {
      a = str_arg("root");
    } else if (k == "levelno") {
      a = int_arg(lvl);
    } else if (k == "thread") {
      a = int_arg(static_cast<long long>(get_ident()));
      a.str = std::to_string(get_ident());
    } else if (k == "process") {
      a = int_arg(static_cast<long long>(getpid()));
    } else if (k == "processName") {
      a = str_arg("MainProcess");
    } else if (k == "taskName") {
      a = str_arg("None");
    } else if (k == "created") {
      a = float_arg(created);
    } else if (k == "msecs") {
      a = float_arg(msecs);
    } else {  // relativeCreated
      a = float_arg(static_cast<double>(ns - g_start_ns) / 1e6);
    }
    out += format_value(a, p.spec);
  }
  return out;
}

}  // namespace

void basic_config(const Config& config) {
  auto compiled = compile(config);
  {
    pythreading::detail::AnnotatedLock lock(g_mu);
    if (g_config == nullptr)
      g_config = new std::shared_ptr<const Compiled>(std::move(compiled));
    else
      *g_config = std::move(compiled);
  }
  g_level.store(config.level, std::memory_order_relaxed);
}

int level() noexcept { return g_level.load(std::memory_order_relaxed); }
void set_level(int lvl) noexcept { g_level.store(lvl, std::memory_order_relaxed); }

std::string level_name(int lvl) {
  switch (lvl) {
    case CRITICAL:
      return "CRITICAL";
    case ERROR:
      return "ERROR";
    case WARNING:
      return "WARNING";
    case INFO:
      return "INFO";
    case DEBUG:
      return "DEBUG";
    case NOTSET:
      return "NOTSET";
    default:
      return "Level " + std::to_string(lvl);
  }
}

std::string format_record(int lvl, std::string_view message) {
  return format_with(*current_config(), lvl, message);
}

void log(int lvl, std::string_view message) {
  if (lvl < level()) return;
  auto c = current_config();
  std::string line = format_with(*c, lvl, message);
  line += '\n';
  if (c->stream == nullptr) {
    write_output(line);
    return;
  }
  flockfile(c->stream);
  std::fwrite(line.data(), 1, line.size(), c->stream);
  std::fflush(c->stream);
  funlockfile(c->stream);
}

namespace detail {

std::string percent_format(std::string_view msg, const std::vector<Arg>& args) {
  std::string out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < msg.size();) {
    if (msg[i] != '%') {
      out += msg[i++];
      continue;
    }
    ++i;
    if (i < msg.size() && msg[i] == '%') {
      out += '%';
      ++i;
      continue;
    }
    if (i < msg.size() && msg[i] == '(') throw Exception("TypeError", "format requires a mapping");
    Spec s = parse_spec(msg, i);
    if (next >= args.size()) throw Exception("TypeError", "not enough arguments for format string");
    out += format_value(args[next++], s);
  }
  if (next < args.size())
    throw Exception("TypeError", "not all arguments converted during string formatting");
  return out;
}

}  // namespace detail
}  // namespace pythreading::logging
