// Handlers of the control steps: assign, sleep, for, forever, call, raise, exit, excepthook.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "interpreter.hpp"
#include "objects.hpp"
#include "output.hpp"
#include "pythreading/warnings.hpp"

namespace threadspec::executor {

namespace {

namespace pt = pythreading;

void assign_step(Interpreter& in, const Step& s, Locals* locals) {
  const Field& field = s.at("target");
  const std::string& target = field.word;
  Value value = in.value(s.at("value").value, locals);
  if (field.expr) {  // an item target E[K]: the value, then E, then K, as Python
    Value container = in.eval(*field.expr->items[0], locals);
    Value key = in.eval(*field.expr->items[1], locals);
    set_item(container, key, std::move(value));
    return;
  }
  const auto dot = target.find('.');
  if (dot == std::string::npos) {
    in.assign(target, std::move(value), locals);
    return;
  }
  Value object = in.lookup(target.substr(0, dot), locals);
  const std::string attr = target.substr(dot + 1);
  if (auto o = object.get_if<ObjectPtr>()) {
    (*o)->set_attr(attr, std::move(value));
  } else {
    raise("AttributeError", "'" + type_name(object) + "' object has no attribute '" + attr +
                                "' and no __dict__ for setting new attributes");
  }
}

void sleep_step(Interpreter& in, const Step& s, Locals* locals) {
  pt::sleep(in.seconds(s.at("seconds"), locals));
}

void for_step(Interpreter& in, const Step& s, Locals* locals) {
  const std::string& var = s.at("var").word;
  const auto& body = s.at("body").steps;
  if (const Field* range = s.find("range")) {
    const long long n = to_index(in.value(range->value, locals));
    for (long long i = 0; i < n; ++i) {
      in.assign(var, Value(i), locals);
      in.run(body, locals);
    }
    return;
  }
  Value sequence = in.eval(*s.at("in").expr, locals);
  List items;
  if (auto list = sequence.get_if<ListPtr>()) {  // Python iterates the live list object
    for (std::size_t i = 0;; ++i) {
      std::optional<Value> item = list_at(*list, i);
      if (!item) return;
      in.assign(var, std::move(*item), locals);
      in.run(body, locals);
    }
  } else if (auto str = sequence.get_if<std::string>()) {
    for (char c : *str) items.push_back(Value(std::string(1, c)));
  } else if (auto dict = sequence.object<DictObject>()) {  // its keys, as when the loop began
    for (auto& [key, value] : dict->snapshot()) items.push_back(std::move(key));
  } else {
    raise("TypeError", "'" + type_name(sequence) + "' object is not iterable");
  }
  for (auto& item : items) {
    in.assign(var, std::move(item), locals);
    in.run(body, locals);
  }
}

void forever_step(Interpreter& in, const Step& s, Locals* locals) {
  const auto& body = s.at("body").steps;
  for (;;) in.run(body, locals);
}

void call_step(Interpreter& in, const Step& s, Locals* locals) {
  Value result = in.call(s.at("fn").word, in.args(s, locals), in.kwargs(s, locals));
  if (const Field* into = s.find("into")) in.assign(into->word, std::move(result), locals);
}

void atexit_step(Interpreter& in, const Step& s, Locals* locals) {
  const std::string fn = s.at("fn").word;
  in.register_atexit("<function " + fn + " at " + address_of(&in.program().functions.at(fn)) + ">",
                     [&in, fn, args = in.args(s, locals)] { in.call(fn, args); });
}

void finalize_step(Interpreter& in, const Step& s, Locals* locals) {
  Value v = in.lookup(s.at("var").word, locals);
  auto o = v.get_if<ObjectPtr>();
  if (!o) raise("TypeError", "cannot create weak reference to '" + type_name(v) + "' object");
  const std::string fn = s.at("fn").word;
  in.finalize(**o, Interpreter::Target{fn, fn, {}, {}, {}}, in.args(s, locals));
}

/// The number of OS threads of this process (what CPython 3.12+ checks before fork()).
std::size_t os_thread_count() {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/task", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

/// V = os.fork(). With `child`, the child runs those steps in the forking thread (which
/// pythreading makes its main thread) and ends with os._exit(0), os._exit(CODE) for an exit
/// step, or os._exit(1) after reporting an uncaught exception; it never runs the parent's
/// remaining steps. Without `child`, the child goes on with the program, V = 0.
void fork_step(Interpreter& in, const Step& s, Locals* locals) {
  if (os_thread_count() > 1) {  // os.fork's DeprecationWarning (3.12+), at this step
    pt::warnings::warn_deprecated(
        "This process (pid=" + std::to_string(::getpid()) +
            ") is multi-threaded, use of fork() may lead to deadlocks in the child.",
        {});
  }
  const int pid = in.fork();
  if (pid < 0)
    raise("OSError", std::string("[Errno ") + std::to_string(errno) + "] " + std::strerror(errno));
  if (pid > 0) {
    in.assign(s.at("var").word, Value(static_cast<long long>(pid)), locals);
    return;
  }
  in.assign(s.at("var").word, Value(0LL), locals);
  const Field* child = s.find("child");
  if (!child) return;
  int status = 0;
  try {
    in.run(child->steps, locals);
  } catch (const pt::PythonError& e) {
    const std::string message = e.what();
    if (std::string(e.type_name()) == "SystemExit") {
      status = report_system_exit(e);
    } else {
      write_stderr_report(
          {"Traceback (most recent call last):",
           "  File \"<scenario>\", line " + std::to_string(current_line()) + ", in <module>",
           e.qualified_type_name() + (message.empty() ? "" : ": " + message)});
      status = 1;
    }
  } catch (const Interpreter::Return&) {
  }
  std::fflush(nullptr);
  ::_exit(status);
}

void waitpid_step(Interpreter& in, const Step& s, Locals* locals) {
  const long long pid = to_index(in.lookup(s.at("var").word, locals));
  int status = 0;
  pid_t r = 0;
  while ((r = ::waitpid(static_cast<pid_t>(pid), &status, 0)) < 0 && errno == EINTR) {
  }
  if (r < 0)
    raise("ChildProcessError", "[Errno " + std::to_string(errno) + "] " + std::strerror(errno));
  const long long code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  if (const Field* into = s.find("into")) in.assign(into->word, Value(code), locals);
}

void raise_step(Interpreter& in, const Step& s, Locals* locals) {
  const Field* message = s.find("message");
  if (message && s.at("type").word == "KeyError") throw KeyError(Value(in.text(*message, locals)));
  throw pt::Exception(s.at("type").word, message ? in.text(*message, locals) : "");
}

void exit_step(Interpreter& in, const Step& s, Locals* locals) {
  throw ProgramExit(in.value(s.at("code").value, locals));
}

void excepthook_step(Interpreter& in, const Step& s, Locals*) {
  const std::string& fn = s.at("fn").word;
  in.install_excepthook(fn == "default" ? std::nullopt : std::optional(fn));
}

/// threading.excepthook(ExceptHookArgs([type(E), E, E.__traceback__, thread])): the hook in
/// effect (pythreading's default report, or the scenario's function), in this thread.
void call_excepthook_step(Interpreter& in, const Step& s, Locals* locals) {
  Value e = in.lookup(s.at("var").word, locals);
  auto exception = e.object<ExceptionObject>();
  if (!exception) attribute_error(type_name(e), "__traceback__");
  Value t = in.value(s.at("thread").value, locals);
  std::optional<pt::Thread> thread;
  if (auto object = t.object<ThreadObject>()) {
    thread = object->thread;
  } else if (!t.is_none()) {
    raise("TypeError",
          "call_excepthook: thread must be None or a thread, not '" + type_name(t) + "'");
  }
  pt::get_excepthook()(pt::make_excepthook_args(exception->exception, thread));
}

constexpr HandlerEntry kHandlers[] = {
    {"assign", assign_step},
    {"sleep", sleep_step},
    {"for", for_step},
    {"forever", forever_step},
    {"call", call_step},
    {"raise", raise_step},
    {"exit", exit_step},
    {"excepthook", excepthook_step},
    {"call_excepthook", call_excepthook_step},
    {"atexit", atexit_step},
    {"finalize", finalize_step},
    {"fork", fork_step},
    {"waitpid", waitpid_step},
};

}  // namespace

std::span<const HandlerEntry> control_handlers() { return kHandlers; }

}  // namespace threadspec::executor
