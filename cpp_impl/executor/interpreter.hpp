// The step interpreter: runs a validated Program with pythreading. Each step is dispatched
// through a table of handlers indexed like vocabulary::kSteps (one handler per step; the handlers
// live in steps_*.cpp by subject). Variables follow Python's module/function scoping
// (specs/README.md section 2): globals shared by every thread, locals per call.
#pragma once

#include <atomic>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "request.hpp"
#include "value.hpp"

namespace threadspec::executor {

/// A function call's local variables; nullptr stands for module level (the globals).
using Locals = std::map<std::string, Value>;

class Interpreter;
/// Runs one step. `locals` is the current call's variables (nullptr in main).
using Handler = void (*)(Interpreter& in, const Step& step, Locals* locals);

/// One handler, named by its step.
struct HandlerEntry {
  std::string_view step;
  Handler handler;
};

/// The handlers of each subject (steps_threads.cpp, steps_output.cpp, steps_control.cpp,
/// steps_sync.cpp).
std::span<const HandlerEntry> thread_handlers();
std::span<const HandlerEntry> output_handlers();
std::span<const HandlerEntry> control_handlers();
std::span<const HandlerEntry> sync_handlers();
std::span<const HandlerEntry> flow_handlers();

/// Every handler of every subject (what the dispatch table is built from).
[[nodiscard]] std::vector<HandlerEntry> all_handlers();

/// The handlers indexed like vocabulary::kSteps (null where this executor has none). Throws
/// std::logic_error for a handler of a step the vocabulary lacks, or two for one step.
[[nodiscard]] std::vector<Handler> dispatch_table();
/// Whether this executor has a handler for step `name`.
[[nodiscard]] bool implemented(std::string_view step);

class Interpreter {
 public:
  /// Builds the dispatch table (see dispatch_table()). `program` was validated by
  /// parse_request with implemented() as its filter.
  Interpreter(Program program, double time_scale);
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  /// Configures logging, installs the default excepthook and runs main in the calling
  /// thread (the process's main thread). Raises the program's uncaught exception.
  void run_main();

  // ---- what handlers use ------------------------------------------------------------
  /// Runs steps in order.
  void run(const std::vector<Step>& steps, Locals* locals);
  /// Calls scenario function `name` with Python's argument binding (positional then keyword,
  /// CPython's TypeError texts), in the calling thread. Raises RecursionError beyond
  /// kRecursionLimit nested calls.
  /// Returns the function's return value (None unless it ran `return`).
  Value call(const std::string& name, const List& args, const Kwargs& kwargs = {});
  /// A callable field's value (section 4.1): the function, and for a partial its bound
  /// arguments; `name` is its __name__ ("" for a partial or an object, which have none).
  /// For {var: V}, `object` is V's value (called instead of a function).
  struct Target {
    std::string name;
    std::string function;
    List args;
    Kwargs kwargs;
    std::optional<Value> object;
  };
  [[nodiscard]] Target target(const Field& callable, Locals* locals);
  /// Calls a Target with more arguments (a partial's come first; an object is called as
  /// call_value() calls it).
  Value invoke(const Target& t, const List& args, const Kwargs& kwargs);
  /// The body of a thread a step created: labels the calling thread's lines with `label`,
  /// then calls `fn` as a thread's run() does (inside threading's bootstrap frames).
  void run_target(const std::optional<std::string>& label, const Target& fn, const List& args,
                  const Kwargs& kwargs);

  /// The value of a name: the call's locals, the globals, then the threading roots (called).
  /// Raises NameError.
  [[nodiscard]] Value lookup(const std::string& name, Locals* locals);
  /// Whether `name` is a local or global variable.
  [[nodiscard]] bool bound(const std::string& name, Locals* locals);
  /// Removes variable `name` from the scope that holds it (locals, else globals); returns
  /// false when neither has it. The value is released outside the interpreter's locks.
  bool unbind(const std::string& name, Locals* locals);
  /// `return VALUE`: unwinds to the function call (or ends main).
  struct Return {
    Value value;
  };
  /// Marks the exception an `except` body handles, for a bare `raise` (reraise) in it.
  class Handling {
   public:
    explicit Handling(std::exception_ptr e);
    ~Handling();
    Handling(const Handling&) = delete;
    Handling& operator=(const Handling&) = delete;
    /// The exception handled by the innermost `except` body of the calling thread.
    static std::exception_ptr current();

   private:
    std::exception_ptr previous_;
  };
  /// The keyword arguments of a kwargs field (empty when absent).
  [[nodiscard]] Kwargs kwargs(const Step& step, Locals* locals);
  /// The positional arguments of an args field (empty when absent).
  [[nodiscard]] List args(const Step& step, Locals* locals);
  void assign(const std::string& name, Value value, Locals* locals);
  /// The value of a value field (templates rendered, lists built).
  [[nodiscard]] Value value(const ValueNode& node, Locals* locals);
  /// The value of an expression in the current scope.
  [[nodiscard]] Value eval(const Expr& expr, Locals* locals);
  /// str() of a text field's value.
  [[nodiscard]] std::string text(const Field& field, Locals* locals);
  /// A seconds field's value times the time scale. A negative value is passed unscaled:
  /// it is a sentinel (-1: wait forever) or an error the callee reports with its own text.
  [[nodiscard]] double seconds(const Field& field, Locals* locals);
  /// An optional timeout field: absent or null -> nullopt; else seconds().
  [[nodiscard]] std::optional<double> timeout(const Step& step, std::string_view field,
                                              Locals* locals);
  /// The object in variable field `field` as T; when it is another kind of value, raises
  /// the AttributeError Python raises for calling `method` on it.
  template <class T>
  std::shared_ptr<T> object(const Step& step, std::string_view field, Locals* locals,
                            const char* method);
  /// The label of the next thread a step creates with variable `var`: "var[k]".
  std::string new_label(const std::string& var);
  /// threading.excepthook = the scenario function `fn`, or the default report (nullopt).
  void install_excepthook(std::optional<std::string> fn);
  [[nodiscard]] const Program& program() const noexcept { return program_; }

  /// atexit.register(fn): `fn` runs at exit, last registered first. Thread-safe.
  void register_atexit(std::string name, std::function<void()> fn);
  /// Runs the atexit handlers (after the non-daemon threads were joined, section 8.5);
  /// an exception escaping one is reported as CPython reports it and the others still run.
  void run_atexit();
  /// weakref.finalize(object, fn, *args): runs at the object's destruction or at exit.
  void finalize(Object& object, const Target& fn, List args);
  /// os.fork() with the interpreter's and the output's locks held across it.
  int fork();

 private:
  class Scope;
  void step(const Step& s, Locals* locals);

  Program program_;
  double scale_;
  std::vector<Handler> dispatch_;  // indexed like vocabulary::kSteps
  std::mutex globals_mutex_;
  Locals globals_;
  std::mutex labels_mutex_;
  std::map<std::string, int> label_counts_;
  std::mutex atexit_mutex_;
  std::vector<std::pair<std::string, std::function<void()>>> atexit_;
  std::vector<std::weak_ptr<Finalizer>> finalizers_;  // for the exit hook, oldest first
  bool finalize_hook_registered_ = false;
};

template <class T>
std::shared_ptr<T> Interpreter::object(const Step& step, std::string_view field, Locals* locals,
                                       const char* method) {
  Value v = lookup(step.at(field).word, locals);
  if (auto o = v.object<T>()) return o;
  if (auto o = v.get_if<ObjectPtr>()) attribute_error((*o)->tp_name(), method);
  attribute_error(type_name(v), method);
}

}  // namespace threadspec::executor
