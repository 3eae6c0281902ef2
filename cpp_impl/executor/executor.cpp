// threadspec_cpp_executor: runs one threadspec scenario (canonical JSON on stdin, protocol 1
// of specs/README.md section 8) with pythreading, the C++ implementation of Python's
// threading module.
//
// Usage: threadspec_cpp_executor --describe | threadspec_cpp_executor < request.json
// The program's output goes to the real stdout/stderr; every line it writes (and every line
// the implementation writes for it: exception reports, tracebacks, warnings) also goes to
// the trace file, both under one lock with one write(2) each. A request this executor cannot
// run (bad JSON, an unknown step) is reported as one line on stderr and exit status 125,
// before anything runs.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "pythreading/threading.hpp"

namespace pt = pythreading;
using json = nlohmann::json;

namespace {

constexpr int kProtocol = 1;
constexpr int kExecutorError = 125;
const auto kStart = std::chrono::steady_clock::now();

// ------------------------------------------------------------------ values
struct Object;
struct Value;
using List = std::vector<Value>;
using ObjectPtr = std::shared_ptr<Object>;

/// A scenario value: None, bool, int, float, str, list or an object (thread, lock...).
struct Value {
  std::variant<std::monostate, bool, long long, double, std::string, std::shared_ptr<List>,
               ObjectPtr>
      v;
};

/// Objects the steps create. attr() returns a Python attribute's value or throws
/// AttributeError exactly as CPython words it.
struct Object {
  virtual ~Object() = default;
  virtual std::string type_name() const = 0;
  virtual std::string repr() const {
    std::string s = "<";
    s += type_name();
    s += " object>";
    return s;
  }
  virtual Value attr(const std::string& name);
};

[[noreturn]] void attribute_error(const std::string& type, const std::string& name) {
  throw pt::Exception("AttributeError", "'" + type + "' object has no attribute '" + name + "'");
}

Value Object::attr(const std::string& name) { attribute_error(type_name(), name); }

std::string py_repr(const Value& value);

/// Python 3's str().
std::string py_str(const Value& value) {
  const auto& v = value.v;
  if (std::holds_alternative<std::monostate>(v)) return "None";
  if (auto b = std::get_if<bool>(&v)) return *b ? "True" : "False";
  if (auto i = std::get_if<long long>(&v)) return std::to_string(*i);
  if (auto d = std::get_if<double>(&v)) {
    if (std::isinf(*d)) return *d > 0 ? "inf" : "-inf";
    if (std::isnan(*d)) return "nan";
    char buf[64];
    for (int precision = 1; precision <= 17; ++precision) {  // shortest repr that round-trips
      std::snprintf(buf, sizeof buf, "%.*g", precision, *d);
      if (std::strtod(buf, nullptr) == *d) break;
    }
    std::string s = buf;
    if (s.find_first_of(".en") == std::string::npos) s += ".0";
    return s;
  }
  if (auto s = std::get_if<std::string>(&v)) return *s;
  if (auto l = std::get_if<std::shared_ptr<List>>(&v)) {
    std::string out = "[";
    for (std::size_t i = 0; i < (*l)->size(); ++i) out += (i ? ", " : "") + py_repr((**l)[i]);
    return out + "]";
  }
  return std::get<ObjectPtr>(v)->repr();
}

/// Python 3's repr(): strings quoted, the rest as str().
std::string py_repr(const Value& value) {
  if (auto s = std::get_if<std::string>(&value.v)) {
    const bool dq = s->find('\'') != std::string::npos && s->find('"') == std::string::npos;
    std::string out(1, dq ? '"' : '\'');
    for (char c : *s) {
      if (c == '\\')
        out += "\\\\";
      else if (c == '\'' && !dq)
        out += "\\'";
      else if (c == '\n')
        out += "\\n";
      else if (c == '\t')
        out += "\\t";
      else
        out += c;
    }
    return out + (dq ? '"' : '\'');
  }
  return py_str(value);
}

// ------------------------------------------------------------------ output + trace
std::mutex g_output;
int g_trace_fd = -1;
long long g_seq = 0;
thread_local std::optional<std::string> tl_label;
thread_local int tl_line = 0;  // the scenario line of the step this thread runs

std::string current_label_json() { return tl_label ? json(*tl_label).dump() : "null"; }

/// Writes one line to fd 1 or 2 and traces it, under the output lock.
void emit(int fd, const std::string& text, bool traced = true) {
  std::string line = text + "\n";
  std::lock_guard lock(g_output);
  for (std::size_t off = 0; off < line.size();) {
    ssize_t n = ::write(fd, line.data() + off, line.size() - off);
    if (n <= 0) break;
    off += static_cast<std::size_t>(n);
  }
  if (!traced || g_trace_fd < 0) return;
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - kStart).count();
  json ev = {{"seq", g_seq++}, {"t", t},
             {"kind", "line"}, {"stream", fd == 1 ? "stdout" : "stderr"},
             {"text", text},   {"thread", pt::current_thread().name()}};
  std::string out = ev.dump(-1, ' ', false, json::error_handler_t::replace);
  out.insert(out.size() - 1, ",\"label\":" + current_label_json());
  out += "\n";
  [[maybe_unused]] ssize_t n = ::write(g_trace_fd, out.data(), out.size());
}

/// Appends the `started` event (spec 8.3: the program starts now; the trace's first
/// event) in one write(2), under the output lock.
void trace_started() {
  std::lock_guard lock(g_output);
  if (g_trace_fd < 0) return;
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - kStart).count();
  const std::string out = json{{"seq", g_seq++}, {"t", t}, {"kind", "started"}}.dump() + "\n";
  [[maybe_unused]] ssize_t n = ::write(g_trace_fd, out.data(), out.size());
}

/// Emits a multi-line text (an exception report) line by line, as one block.
void emit_block(int fd, const std::string& text) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) emit(fd, line);
}

// ------------------------------------------------------------------ objects
struct ThreadObject : Object {
  pt::Thread thread;
  explicit ThreadObject(pt::Thread t) : thread(std::move(t)) {}
  std::string type_name() const override {
    return thread == pt::main_thread() ? "_MainThread" : "Thread";
  }
  std::string repr() const override { return thread.repr(); }
  Value attr(const std::string& name) override {
    if (name == "name") return {thread.name()};
    if (name == "daemon") return {thread.daemon()};
#pragma GCC diagnostic push  // the program's legacy getters: pythreading warns as CPython does
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    if (name == "getName") return {thread.getName()};
    if (name == "isDaemon") return {thread.isDaemon()};
#pragma GCC diagnostic pop
    if (name == "ident")
      return thread.ident() ? Value{static_cast<long long>(*thread.ident())} : Value{};
    if (name == "native_id")
      return thread.native_id() ? Value{static_cast<long long>(*thread.native_id())} : Value{};
    if (name == "is_alive") return {thread.is_alive()};
    if (name == "isAlive") {  // removed in 3.9; pythreading emulates 3.13
      throw pt::Exception(
          "AttributeError",
          "'" + type_name() + "' object has no attribute 'isAlive'. Did you mean: 'is_alive'?");
    }
    return Object::attr(name);
  }
};

struct TimerObject : ThreadObject {
  pt::Timer timer;
  explicit TimerObject(pt::Timer t) : ThreadObject(t), timer(std::move(t)) {}
};

struct LockObject : Object {
  pt::Lock lock;
  std::string type_name() const override { return "lock"; }
  Value attr(const std::string& name) override {
    if (name == "locked") return {lock.locked()};
    return Object::attr(name);
  }
};
struct RLockObject : Object {
  pt::RLock lock;
  std::string type_name() const override { return "RLock"; }
};
struct EventObject : Object {
  pt::Event event;
  std::string type_name() const override { return "Event"; }
  Value attr(const std::string& name) override {
    if (name == "is_set") return {event.is_set()};
    return Object::attr(name);
  }
};
struct SemaphoreObject : Object {
  std::unique_ptr<pt::Semaphore> sem;
  bool bounded;
  SemaphoreObject(long value, bool b)
      : sem(b ? std::make_unique<pt::BoundedSemaphore>(value)
              : std::make_unique<pt::Semaphore>(value)),
        bounded(b) {}
  std::string type_name() const override { return bounded ? "BoundedSemaphore" : "Semaphore"; }
};
struct ConditionObject : Object {
  ObjectPtr lock_ref;  // keeps a given lock alive
  std::unique_ptr<pt::Condition> cond;
  std::string type_name() const override { return "Condition"; }
};
struct BarrierObject : Object {
  std::unique_ptr<pt::Barrier> barrier;
  std::string type_name() const override { return "Barrier"; }
  Value attr(const std::string& name) override {
    if (name == "parties") return {static_cast<long long>(barrier->parties())};
    if (name == "n_waiting") return {static_cast<long long>(barrier->n_waiting())};
    if (name == "broken") return {barrier->broken()};
    return Object::attr(name);
  }
};
struct LocalObject : Object {
  pt::local<std::map<std::string, Value>> values;
  std::string type_name() const override { return "_thread._local"; }
  Value attr(const std::string& name) override {
    auto& m = *values;
    auto it = m.find(name);
    if (it == m.end()) return Object::attr(name);
    return it->second;
  }
};
struct TypeObject : Object {
  std::string name;
  explicit TypeObject(std::string n) : name(std::move(n)) {}
  std::string type_name() const override { return "type"; }
  std::string repr() const override { return "<class '" + name + "'>"; }
  Value attr(const std::string& a) override {
    if (a == "__name__") return {name};
    return Object::attr(a);
  }
};
struct HookArgsObject : Object {
  pt::ExceptHookArgs args;
  explicit HookArgsObject(pt::ExceptHookArgs a) : args(std::move(a)) {}
  std::string type_name() const override { return "_thread._ExceptHookArgs"; }
  Value attr(const std::string& name) override {
    if (name == "exc_type") return {std::make_shared<TypeObject>(args.exc_type)};
    if (name == "exc_value") return {args.exc_value};
    if (name == "thread")
      return args.thread ? Value{std::make_shared<ThreadObject>(*args.thread)} : Value{};
    return Object::attr(name);
  }
};

// ------------------------------------------------------------------ the interpreter
/// A request this executor cannot run: reported before anything runs (exit 125).
struct BadRequest : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const std::set<std::string> kExceptionTypes = {"Exception", "RuntimeError", "ValueError",
                                               "TypeError", "KeyError",     "ZeroDivisionError"};
const std::map<std::string, std::vector<std::string>> kRequired = {
    {"thread", {"var"}},
    {"timer", {"var", "interval", "target"}},
    {"start", {"var"}},
    {"join", {"var"}},
    {"cancel", {"var"}},
    {"set_daemon", {"var", "value"}},
    {"set_name", {"var", "value"}},
    {"assign", {"target", "value"}},
    {"print", {"text"}},
    {"debug", {"text"}},
    {"info", {"text"}},
    {"warning", {"text"}},
    {"error", {"text"}},
    {"critical", {"text"}},
    {"sleep", {"seconds"}},
    {"for", {"var", "body"}},
    {"forever", {"body"}},
    {"call", {"fn"}},
    {"raise", {"type"}},
    {"exit", {"code"}},
    {"excepthook", {"fn"}},
    {"lock", {"var"}},
    {"rlock", {"var"}},
    {"event", {"var"}},
    {"local", {"var"}},
    {"semaphore", {"var"}},
    {"bounded_semaphore", {"var"}},
    {"condition", {"var"}},
    {"barrier", {"var", "parties"}},
    {"acquire", {"var"}},
    {"release", {"var"}},
    {"with", {"var", "body"}},
    {"set", {"var"}},
    {"clear", {"var"}},
    {"wait", {"var"}},
    {"notify", {"var"}},
    {"notify_all", {"var"}}};

class Interpreter;
using Frame = std::map<std::string, Value>;

class Interpreter {
 public:
  Interpreter(json scenario, double scale) : scenario_(std::move(scenario)), scale_(scale) {}

  /// Checks every step of every function and of main; throws BadRequest.
  void check() {
    if (!scenario_.contains("main") || !scenario_["main"].is_array())
      throw BadRequest("the scenario has no main");
    if (scenario_.contains("functions")) {
      for (auto& [name, fn] : scenario_["functions"].items()) {
        if (!fn.contains("body") || !fn["body"].is_array())
          throw BadRequest("function '" + name + "' has no body");
        check_steps(fn["body"]);
      }
    }
    check_steps(scenario_["main"]);
  }

  void run_main() {
    install_hook(std::nullopt);
    if (scenario_.contains("logging")) configure_logging(scenario_["logging"]);
    Frame* none = nullptr;
    run_steps(scenario_["main"], none);
  }

  /// Runs scenario function `name` with `args` in the calling thread.
  void call(const std::string& name, const List& args) {
    const json& fn = std::as_const(scenario_).at("functions").at(name);
    const json& params = fn.contains("params") ? fn["params"] : json::array();
    if (params.size() != args.size()) {
      throw pt::Exception("TypeError", name + "() takes " + std::to_string(params.size()) +
                                           " positional arguments but " +
                                           std::to_string(args.size()) + " were given");
    }
    Frame frame;
    for (std::size_t i = 0; i < args.size(); ++i) frame[params[i].get<std::string>()] = args[i];
    Frame* f = &frame;
    run_steps(fn["body"], f);
  }

 private:
  void check_steps(const json& steps) {
    for (const auto& s : steps) {
      const std::string op = s.value("op", "");
      const std::string where =
          " (line " + (s.contains("line") ? s["line"].dump() : std::string("?")) + ")";
      auto req = kRequired.find(op);
      if (req == kRequired.end()) throw BadRequest("unsupported step '" + op + "'" + where);
      for (const auto& field : req->second) {
        if (!s.contains(field)) throw BadRequest("step '" + op + "' needs '" + field + "'" + where);
      }
      for (const char* key : {"target", "fn"}) {
        if ((op == "thread" || op == "timer" || op == "call" || op == "excepthook") &&
            s.contains(key)) {
          const std::string fn = s[key].get<std::string>();
          if (fn != "default" &&
              !(scenario_.contains("functions") && scenario_["functions"].contains(fn))) {
            throw BadRequest("step '" + op + "' names undefined function '" + fn + "'" + where);
          }
        }
      }
      if (op == "raise" && !kExceptionTypes.count(s["type"].get<std::string>())) {
        throw BadRequest("unsupported exception type " + s["type"].dump() + where);
      }
      if (s.contains("body")) check_steps(s["body"]);
    }
  }

  // -- variables (globals are shared by every thread, like a module dict)
  Value lookup(const std::string& name, Frame* frame) {
    if (frame) {
      auto it = frame->find(name);
      if (it != frame->end()) return it->second;
    }
    {
      std::lock_guard lock(globals_mutex_);
      auto it = globals_.find(name);
      if (it != globals_.end()) return it->second;
    }
    if (name == "current_thread") return {std::make_shared<ThreadObject>(pt::current_thread())};
    if (name == "main_thread") return {std::make_shared<ThreadObject>(pt::main_thread())};
    if (name == "active_count") return {static_cast<long long>(pt::active_count())};
    if (name == "get_ident") return {static_cast<long long>(pt::get_ident())};
    if (name == "get_native_id") return {static_cast<long long>(pt::get_native_id())};
    if (name == "enumerate") {
      auto list = std::make_shared<List>();
      for (auto& t : pt::enumerate()) list->push_back({std::make_shared<ThreadObject>(t)});
      return {list};
    }
    throw pt::Exception("NameError", "name '" + name + "' is not defined");
  }

  void assign(const std::string& name, Value value, Frame* frame) {
    if (frame) {
      (*frame)[name] = std::move(value);
    } else {
      std::lock_guard lock(globals_mutex_);
      globals_[name] = std::move(value);
    }
  }

  template <class T>
  std::shared_ptr<T> object(const std::string& name, Frame* frame, const char* what) {
    Value v = lookup(name, frame);
    if (auto o = std::get_if<ObjectPtr>(&v.v)) {
      if (auto t = std::dynamic_pointer_cast<T>(*o)) return t;
    }
    throw pt::Exception("AttributeError", "'" + name + "' is not " + what);
  }

  // -- templates (spec section 3)
  Value eval(std::string expr, Frame* frame) {
    expr.erase(0, expr.find_first_not_of(' '));
    expr.erase(expr.find_last_not_of(' ') + 1);
    if (expr.rfind("len(", 0) == 0 && expr.back() == ')') {
      Value v = lookup(expr.substr(4, expr.size() - 5), frame);
      if (auto l = std::get_if<std::shared_ptr<List>>(&v.v))
        return {static_cast<long long>((*l)->size())};
      if (auto s = std::get_if<std::string>(&v.v)) return {static_cast<long long>(s->size())};
      throw pt::Exception("TypeError", "object has no len()");
    }
    std::vector<std::string> parts;
    std::stringstream ss(expr);
    for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
    Value v = lookup(parts[0], frame);
    for (std::size_t i = 1; i < parts.size(); ++i) {
      auto o = std::get_if<ObjectPtr>(&v.v);
      if (!o)
        throw pt::Exception("AttributeError", "'" + std::string("object") +
                                                  "' object has no attribute '" + parts[i] + "'");
      v = (*o)->attr(parts[i]);
    }
    return v;
  }

  Value render(const json& tmpl, Frame* frame) {
    if (!tmpl.is_string()) return from_json(tmpl, frame);
    const std::string s = tmpl.get<std::string>();
    // A template that is exactly one {EXPR} evaluates to the value itself, with its type.
    if (s.size() >= 2 && s.front() == '{' && s.back() == '}' &&
        s.find_first_of("{}", 1) == s.size() - 1) {
      return eval(s.substr(1, s.size() - 2), frame);
    }
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '{' && i + 1 < s.size() && s[i + 1] == '{') {
        out += '{';
        ++i;
      } else if (s[i] == '}' && i + 1 < s.size() && s[i + 1] == '}') {
        out += '}';
        ++i;
      } else if (s[i] == '{') {
        auto end = s.find('}', i);
        out += py_str(eval(s.substr(i + 1, end - i - 1), frame));
        i = end;
      } else {
        out += s[i];
      }
    }
    return {out};
  }

  std::string text(const json& tmpl, Frame* frame) { return py_str(render(tmpl, frame)); }

  Value from_json(const json& j, Frame* frame) {
    if (j.is_null()) return {};
    if (j.is_boolean()) return {j.get<bool>()};
    if (j.is_number_integer()) return {j.get<long long>()};
    if (j.is_number()) return {j.get<double>()};
    if (j.is_string()) return render(j, frame);
    auto list = std::make_shared<List>();
    for (const auto& item : j) list->push_back(from_json(item, frame));
    return {list};
  }

  double seconds(const json& j, Frame* frame) {
    Value v = from_json(j, frame);
    if (auto i = std::get_if<long long>(&v.v)) return static_cast<double>(*i) * scale_;
    if (auto d = std::get_if<double>(&v.v)) return *d * scale_;
    throw pt::Exception("TypeError", "a number is required");
  }

  std::optional<double> opt_seconds(const json& s, const char* key, Frame* frame) {
    if (!s.contains(key) || s[key].is_null()) return std::nullopt;
    return seconds(s[key], frame);
  }

  List args_of(const json& s, Frame* frame) {
    List out;
    if (s.contains("args")) {
      for (const auto& a : s["args"]) out.push_back(from_json(a, frame));
    }
    return out;
  }

  std::string new_label(const std::string& var) {
    std::lock_guard lock(labels_mutex_);
    return var + "[" + std::to_string(label_counts_[var]++) + "]";
  }

  void configure_logging(const json& cfg) {
    pt::logging::Config c;
    if (cfg.contains("format")) c.format = cfg["format"].get<std::string>();
    if (cfg.contains("datefmt")) c.datefmt = cfg["datefmt"].get<std::string>();
    static const std::map<std::string, int> levels = {{"DEBUG", pt::logging::DEBUG},
                                                      {"INFO", pt::logging::INFO},
                                                      {"WARNING", pt::logging::WARNING},
                                                      {"ERROR", pt::logging::ERROR},
                                                      {"CRITICAL", pt::logging::CRITICAL}};
    if (cfg.contains("level")) c.level = levels.at(cfg["level"].get<std::string>());
    pt::logging::basic_config(c);
  }

  void log(int level, const std::string& message) { pt::logging::log(level, message); }

  /// Installs the excepthook: the scenario's function, or (nullopt) the library's default,
  /// whose report reaches the trace through the output sink (main()).
  void install_hook(std::optional<std::string> fn) {
    if (!fn) {
      pt::set_excepthook({});
      return;
    }
    pt::set_excepthook([this, name = *fn](const pt::ExceptHookArgs& args) {
      call(name, List{Value{std::make_shared<HookArgsObject>(args)}});
    });
  }

  void run_steps(const json& steps, Frame*& frame) {
    for (const auto& s : steps) step(s, frame);
  }

  void start_thread(const std::string& var, const std::string& label, const json& s, Frame* frame) {
    pt::ThreadOptions opts;
    if (s.contains("name")) opts.name = text(s["name"], frame);
    if (s.contains("daemon")) opts.daemon = s["daemon"].get<bool>();
    if (s.contains("target")) {
      const std::string fn = s["target"].get<std::string>();
      opts.target_name = fn;
      opts.target = [this, fn, label, args = args_of(s, frame)] {
        tl_label = label;
        call(fn, args);
      };
    }
    pt::Thread t(std::move(opts));
    assign(var, {std::make_shared<ThreadObject>(t)}, frame);
  }

  // Steps acquire and release the program's locks in separate calls, as the program says:
  // Clang's thread-safety analysis cannot follow that.
  void step(const json& s, Frame*& frame) PYTHREADING_NO_THREAD_SAFETY_ANALYSIS {
    const std::string op = s["op"].get<std::string>();
    tl_line = s.value("line", 0);
    const std::string var =
        s.contains("var") && s["var"].is_string() ? s["var"].get<std::string>() : "";
    if (op == "thread") {
      start_thread(var, new_label(var), s, frame);
    } else if (op == "timer") {
      const std::string fn = s["target"].get<std::string>();
      const std::string label = new_label(var);
      pt::Timer t(seconds(s["interval"], frame), [this, fn, label, args = args_of(s, frame)] {
        tl_label = label;
        call(fn, args);
      });
      assign(var, {std::make_shared<TimerObject>(std::move(t))}, frame);
    } else if (op == "start") {
      object<ThreadObject>(var, frame, "a thread")->thread.start();
    } else if (op == "join") {
      auto t = object<ThreadObject>(var, frame, "a thread");
      if (auto timeout = opt_seconds(s, "timeout", frame)) {
        t->thread.join(*timeout);
      } else {
        t->thread.join();
      }
    } else if (op == "cancel") {
      object<TimerObject>(var, frame, "a Timer")->timer.cancel();
    } else if (op == "set_daemon") {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // the program's legacy setter
      object<ThreadObject>(var, frame, "a thread")->thread.setDaemon(s["value"].get<bool>());
#pragma GCC diagnostic pop
    } else if (op == "set_name") {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // the program's legacy setter
      object<ThreadObject>(var, frame, "a thread")->thread.setName(text(s["value"], frame));
#pragma GCC diagnostic pop
    } else if (op == "assign") {
      const std::string target = s["target"].get<std::string>();
      Value value = from_json(s["value"], frame);
      const auto dot = target.find('.');
      if (dot == std::string::npos) {
        assign(target, std::move(value), frame);
      } else {
        Value obj = lookup(target.substr(0, dot), frame);
        const std::string attr = target.substr(dot + 1);
        auto o = std::get_if<ObjectPtr>(&obj.v);
        if (auto t = o ? std::dynamic_pointer_cast<ThreadObject>(*o) : nullptr) {
          if (attr == "name") {
            t->thread.set_name(py_str(value));
          } else if (attr == "daemon") {
            t->thread.set_daemon(std::get<bool>(value.v));
          } else {
            attribute_error("Thread", attr);
          }
        } else if (auto l = o ? std::dynamic_pointer_cast<LocalObject>(*o) : nullptr) {
          (*l->values)[attr] = std::move(value);
        } else {
          throw pt::Exception("AttributeError", "cannot set attribute '" + attr + "'");
        }
      }
    } else if (op == "print") {
      emit(s.value("file", "stdout") == "stderr" ? 2 : 1, text(s["text"], frame));
    } else if (op == "debug" || op == "info" || op == "warning" || op == "error" ||
               op == "critical") {
      static const std::map<std::string, int> levels = {{"debug", pt::logging::DEBUG},
                                                        {"info", pt::logging::INFO},
                                                        {"warning", pt::logging::WARNING},
                                                        {"error", pt::logging::ERROR},
                                                        {"critical", pt::logging::CRITICAL}};
      log(levels.at(op), text(s["text"], frame));
    } else if (op == "sleep") {
      pt::sleep(seconds(s["seconds"], frame));
    } else if (op == "for") {
      if (s.contains("range")) {
        for (long long i = 0; i < s["range"].get<long long>(); ++i) {
          assign(var, {i}, frame);
          run_steps(s["body"], frame);
        }
      } else {
        Value seq = eval(s["in"].get<std::string>(), frame);
        auto list = std::get_if<std::shared_ptr<List>>(&seq.v);
        if (!list) throw pt::Exception("TypeError", "object is not iterable");
        for (const auto& item : **list) {
          assign(var, item, frame);
          run_steps(s["body"], frame);
        }
      }
    } else if (op == "forever") {
      for (;;) run_steps(s["body"], frame);
    } else if (op == "call") {
      call(s["fn"].get<std::string>(), args_of(s, frame));
    } else if (op == "raise") {
      throw pt::Exception(s["type"].get<std::string>(),
                          s.contains("message") ? text(s["message"], frame) : "");
    } else if (op == "exit") {
      throw pt::SystemExit(std::to_string(s["code"].get<int>()));
    } else if (op == "excepthook") {
      const std::string fn = s["fn"].get<std::string>();
      install_hook(fn == "default" ? std::nullopt : std::optional(fn));
    } else if (op == "lock") {
      assign(var, {std::make_shared<LockObject>()}, frame);
    } else if (op == "rlock") {
      assign(var, {std::make_shared<RLockObject>()}, frame);
    } else if (op == "event") {
      assign(var, {std::make_shared<EventObject>()}, frame);
    } else if (op == "local") {
      assign(var, {std::make_shared<LocalObject>()}, frame);
    } else if (op == "semaphore" || op == "bounded_semaphore") {
      assign(var,
             {std::make_shared<SemaphoreObject>(s.value("value", 1L), op == "bounded_semaphore")},
             frame);
    } else if (op == "condition") {
      auto c = std::make_shared<ConditionObject>();
      if (s.contains("lock")) {
        Value l = lookup(s["lock"].get<std::string>(), frame);
        c->lock_ref = std::get<ObjectPtr>(l.v);
        if (auto lk = std::dynamic_pointer_cast<LockObject>(c->lock_ref)) {
          c->cond = std::make_unique<pt::Condition>(lk->lock);
        } else if (auto rl = std::dynamic_pointer_cast<RLockObject>(c->lock_ref)) {
          c->cond = std::make_unique<pt::Condition>(rl->lock);
        } else {
          throw pt::Exception("TypeError", "Condition needs a Lock or an RLock");
        }
      } else {
        c->cond = std::make_unique<pt::Condition>();
      }
      assign(var, {c}, frame);
    } else if (op == "barrier") {
      auto b = std::make_shared<BarrierObject>();
      b->barrier = std::make_unique<pt::Barrier>(s["parties"].get<long>(), nullptr,
                                                 opt_seconds(s, "timeout", frame));
      assign(var, {b}, frame);
    } else if (op == "acquire") {
      const bool blocking = s.value("blocking", true);
      bool got = false;
      Value v = lookup(var, frame);
      auto o = std::get<ObjectPtr>(v.v);
      if (auto l = std::dynamic_pointer_cast<LockObject>(o)) {
        got = l->lock.acquire(blocking, s.contains("timeout") ? seconds(s["timeout"], frame) : -1);
      } else if (auto r = std::dynamic_pointer_cast<RLockObject>(o)) {
        got = r->lock.acquire(blocking, s.contains("timeout") ? seconds(s["timeout"], frame) : -1);
      } else if (auto sem = std::dynamic_pointer_cast<SemaphoreObject>(o)) {
        got = sem->sem->acquire(blocking, opt_seconds(s, "timeout", frame));
      } else if (auto c = std::dynamic_pointer_cast<ConditionObject>(o)) {
        got = c->cond->acquire(blocking, s.contains("timeout") ? seconds(s["timeout"], frame) : -1);
      } else {
        attribute_error(o->type_name(), "acquire");
      }
      if (s.contains("into")) assign(s["into"].get<std::string>(), {got}, frame);
    } else if (op == "release") {
      Value v = lookup(var, frame);
      auto o = std::get<ObjectPtr>(v.v);
      if (auto l = std::dynamic_pointer_cast<LockObject>(o)) {
        l->lock.release();
      } else if (auto r = std::dynamic_pointer_cast<RLockObject>(o)) {
        r->lock.release();
      } else if (auto sem = std::dynamic_pointer_cast<SemaphoreObject>(o)) {
        sem->sem->release();
      } else if (auto c = std::dynamic_pointer_cast<ConditionObject>(o)) {
        c->cond->release();
      } else {
        attribute_error(o->type_name(), "release");
      }
    } else if (op == "with") {
      step(json{{"op", "acquire"}, {"var", var}, {"line", s.value("line", 0)}}, frame);
      try {
        run_steps(s["body"], frame);
      } catch (...) {
        step(json{{"op", "release"}, {"var", var}, {"line", s.value("line", 0)}}, frame);
        throw;
      }
      step(json{{"op", "release"}, {"var", var}, {"line", s.value("line", 0)}}, frame);
    } else if (op == "set") {
      object<EventObject>(var, frame, "an Event")->event.set();
    } else if (op == "clear") {
      object<EventObject>(var, frame, "an Event")->event.clear();
    } else if (op == "wait") {
      Value v = lookup(var, frame);
      auto o = std::get<ObjectPtr>(v.v);
      auto timeout = opt_seconds(s, "timeout", frame);
      Value result;
      if (auto e = std::dynamic_pointer_cast<EventObject>(o)) {
        result = {e->event.wait(timeout)};
      } else if (auto c = std::dynamic_pointer_cast<ConditionObject>(o)) {
        result = {c->cond->wait(timeout)};
      } else if (auto b = std::dynamic_pointer_cast<BarrierObject>(o)) {
        result = {static_cast<long long>(b->barrier->wait(timeout))};
      } else {
        attribute_error(o->type_name(), "wait");
      }
      if (s.contains("into")) assign(s["into"].get<std::string>(), result, frame);
    } else if (op == "notify") {
      object<ConditionObject>(var, frame, "a Condition")->cond->notify(s.value("n", 1UL));
    } else if (op == "notify_all") {
      object<ConditionObject>(var, frame, "a Condition")->cond->notify_all();
    }
  }

  json scenario_;
  double scale_;
  std::mutex globals_mutex_;
  Frame globals_;
  std::mutex labels_mutex_;
  std::map<std::string, int> label_counts_;
};

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "threadspec-executor: error: %s\n", message.c_str());
  std::fflush(stderr);
  std::_Exit(kExecutorError);
}

std::unique_ptr<Interpreter> g_interp;

int program_main(int, char**) {
  tl_label = "main";
  trace_started();
  try {
    g_interp->run_main();
  } catch (const pt::PythonError& e) {
    if (std::string(e.type_name()) == "SystemExit") return std::atoi(e.what());
    emit(2, "Traceback (most recent call last):");
    emit(2, "  File \"<scenario>\", line " + std::to_string(tl_line) + ", in <module>");
    emit(2, std::string(e.type_name()) +
                (std::string(e.what()).empty() ? "" : ": " + std::string(e.what())));
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--describe") {
    std::cout << json{{"protocol", kProtocol},
                      {"implementation", "pythreading"},
                      {"version", THREADSPEC_VERSION},
                      {"emulates", "3.13.0"}}
                     .dump()
              << std::endl;
    return 0;
  }
  if (argc != 1)
    fail("unknown arguments (usage: threadspec_cpp_executor [--describe] < request.json)");
  json request;
  try {
    request = json::parse(std::string(std::istreambuf_iterator<char>(std::cin), {}));
    if (request.value("protocol", 0) != kProtocol)
      throw BadRequest("unsupported protocol " + request["protocol"].dump());
    g_interp =
        std::make_unique<Interpreter>(request.at("scenario"), request.value("time_scale", 1.0));
    g_interp->check();
  } catch (const std::exception& e) {
    fail(std::string("bad input: ") + e.what());
  }
  if (request.contains("trace") && request["trace"].is_string()) {
    g_trace_fd = ::open(request["trace"].get<std::string>().c_str(),
                        O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (g_trace_fd < 0) fail("cannot open the trace file " + request["trace"].dump());
  }
  // The library's own output (excepthook reports, warnings, log records) is traced; its
  // warnings name the scenario line of the step that caused them.
  pt::set_output_sink([](std::string_view text) { emit_block(2, std::string(text)); });
  pt::warnings::set_location_resolver([]() -> std::optional<pt::warnings::Location> {
    if (tl_line == 0) return std::nullopt;
    return pt::warnings::Location{"<scenario>", tl_line};
  });
  return pt::run_main(program_main, argc, argv);
}
