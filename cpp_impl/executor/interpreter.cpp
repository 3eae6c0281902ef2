#include "interpreter.hpp"

#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "objects.hpp"
#include "output.hpp"

namespace threadspec::executor {

namespace pt = pythreading;

std::vector<HandlerEntry> all_handlers() {
  std::vector<HandlerEntry> out;
  for (auto subject : {thread_handlers(), output_handlers(), control_handlers(), sync_handlers(),
                       flow_handlers()}) {
    out.insert(out.end(), subject.begin(), subject.end());
  }
  return out;
}

namespace {

/// Python frames active in this thread (the recursion depth CPython counts).
thread_local int tl_depth = 0;

/// Counts one Python frame while alive; raises RecursionError as CPython does beyond the
/// limit, or when the C++ stack (which a small stack_size() makes small) runs low.
class FrameGuard {
 public:
  FrameGuard() {
    if (tl_depth + 1 > kRecursionLimit || stack_running_low()) {
      raise("RecursionError", "maximum recursion depth exceeded");
    }
    ++tl_depth;
  }
  ~FrameGuard() { --tl_depth; }
  FrameGuard(const FrameGuard&) = delete;
  FrameGuard& operator=(const FrameGuard&) = delete;
};

std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

/// CPython's "missing N required positional argument(s): 'a', 'b', and 'c'".
std::string missing_text(const std::string& fn, const std::vector<std::string>& names) {
  std::string list;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) list += names.size() == 2 ? " and " : (i + 1 == names.size() ? ", and " : ", ");
    list += "'" + names[i] + "'";
  }
  return fn + "() missing " + plural(names.size(), "required positional argument") + ": " + list;
}

}  // namespace

/// What names mean in the expressions of one step: the call's locals, the globals, the
/// threading roots, the builtins.
class Interpreter::Scope : public Environment {
 public:
  Scope(Interpreter& in, Locals* locals) : in_(in), locals_(locals) {}

  Value name(const std::string& n) override { return in_.lookup(n, locals_); }

  Value call(const std::string& n, const List& args) override {
    if (in_.bound(n, locals_)) {
      Value v = in_.lookup(n, locals_);
      raise("TypeError", "'" + type_name(v) + "' object is not callable");
    }
    Value out;
    if (n == "Lock") return new_lock(args);
    // A constant root is called as Python calls its value: TypeError for the float.
    if (n == "TIMEOUT_MAX") return call_value(Value(pt::TIMEOUT_MAX), args, {});
    if (root(n, args, out) || call_builtin(n, args, out)) return out;
    raise("NameError", "name '" + n + "' is not defined");
  }

  /// The threading functions a scenario may name (section 3.1's roots).
  static bool root(const std::string& n, const List& args, Value& out) {
    static const char* const kRoots[] = {
        "current_thread", "main_thread", "active_count",  "get_ident",  "get_native_id",
        "enumerate",      "activeCount", "currentThread", "stack_size", "getpid"};
    bool known = false;
    for (const char* r : kRoots) known = known || n == r;
    if (!known) return false;
    if (n == "stack_size") {
      if (args.size() > 1) {
        raise("TypeError",
              "stack_size expected at most 1 argument, got " + std::to_string(args.size()));
      }
      if (args.empty()) {  // Python's size defaults to 0: stack_size() also resets it
        out = Value(static_cast<long long>(pt::stack_size(0)));
      } else {
        const long long size = to_index(args[0]);
        if (size < 0) raise("ValueError", "size must be 0 or a positive value");
        out = Value(static_cast<long long>(pt::stack_size(static_cast<std::size_t>(size))));
      }
      return true;
    }
    if (!args.empty()) {
      raise("TypeError", n + "() takes 0 positional arguments but " + std::to_string(args.size()) +
                             (args.size() == 1 ? " was given" : " were given"));
    }
    if (n == "current_thread") {
      out = Value(std::make_shared<ThreadObject>(pt::current_thread()));
    } else if (n == "main_thread") {
      out = Value(std::make_shared<ThreadObject>(pt::main_thread()));
    } else if (n == "active_count") {
      out = Value(static_cast<long long>(pt::active_count()));
    } else if (n == "get_ident") {
      out = Value(static_cast<long long>(pt::get_ident()));
    } else if (n == "get_native_id") {
      out = Value(static_cast<long long>(pt::get_native_id()));
    } else if (n == "getpid") {
      out = Value(static_cast<long long>(::getpid()));
#pragma GCC diagnostic push  // the program's legacy names: pythreading warns as CPython does
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    } else if (n == "activeCount") {
      out = Value(static_cast<long long>(pt::activeCount()));
    } else if (n == "currentThread") {
      out = Value(std::make_shared<ThreadObject>(pt::currentThread()));
#pragma GCC diagnostic pop
    } else {
      auto list = std::make_shared<List>();
      for (auto& t : pt::enumerate()) list->push_back(Value(std::make_shared<ThreadObject>(t)));
      out = Value(list);
    }
    return true;
  }

 private:
  Interpreter& in_;
  Locals* locals_;
};

std::vector<Handler> dispatch_table() {
  std::vector<Handler> table(vocabulary::kSteps.size());
  for (const auto& entry : all_handlers()) {
    std::size_t i = 0;
    while (i < table.size() && vocabulary::kSteps[i].name != entry.step) ++i;
    if (i == table.size()) {
      throw std::logic_error("a handler for step '" + std::string(entry.step) +
                             "', which the vocabulary lacks");
    }
    if (table[i]) throw std::logic_error("two handlers for step '" + std::string(entry.step) + "'");
    table[i] = entry.handler;
  }
  return table;
}

bool implemented(std::string_view step) {
  static const std::vector<Handler> table = dispatch_table();
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (vocabulary::kSteps[i].name == step) return table[i] != nullptr;
  }
  return false;
}

Interpreter::Interpreter(Program program, double time_scale)
    : program_(std::move(program)), scale_(time_scale), dispatch_(dispatch_table()) {}

void Interpreter::run_main() {
  set_thread_label("main");
  tl_depth = 1;  // the module's frame
  install_excepthook(std::nullopt);
  if (program_.logging) {
    pt::logging::Config c;
    if (program_.logging->format) c.format = *program_.logging->format;
    if (program_.logging->datefmt) c.datefmt = *program_.logging->datefmt;
    if (const auto& level = program_.logging->level) {
      for (int l : {pt::logging::DEBUG, pt::logging::INFO, pt::logging::WARNING, pt::logging::ERROR,
                    pt::logging::CRITICAL}) {
        if (pt::logging::level_name(l) == *level) c.level = l;
      }
    }
    pt::logging::basic_config(c);
  }
  try {
    run(program_.main, nullptr);
  } catch (const Return&) {  // `return` in main ends main
  }
}

void Interpreter::run(const std::vector<Step>& steps, Locals* locals) {
  for (const auto& s : steps) step(s, locals);
}

void Interpreter::step(const Step& s, Locals* locals) {
  set_current_line(s.line);
  dispatch_[s.index](*this, s, locals);
}

void Interpreter::run_target(const std::optional<std::string>& label, const Target& fn,
                             const List& args, const Kwargs& kwargs) {
  set_thread_label(label);
  tl_depth = 3;  // threading's _bootstrap, _bootstrap_inner and run frames
  invoke(fn, args, kwargs);
}

Interpreter::Target Interpreter::target(const Field& f, Locals* locals) {
  Target t;
  t.function = f.callable.function;
  switch (f.callable.kind) {
    case Callable::Kind::function:
      t.name = t.function;
      break;
    case Callable::Kind::lambda:
      t.name = "<lambda>";
      break;
    case Callable::Kind::var:
      t.object = lookup(f.callable.function, locals);
      t.function.clear();
      break;
    case Callable::Kind::partial:
      t.args = snapshot(std::get<ListPtr>(value(f.callable.args, locals).v));
      for (std::size_t i = 0; i < f.callable.kwargs.items.size(); ++i) {
        t.kwargs.emplace_back(f.callable.kwargs.keys[i], value(f.callable.kwargs.items[i], locals));
      }
      break;
  }
  return t;
}

Value Interpreter::invoke(const Target& t, const List& args, const Kwargs& kwargs) {
  if (t.object) return call_value(*t.object, args, kwargs);
  if (t.args.empty() && t.kwargs.empty()) return call(t.function, args, kwargs);
  List all = t.args;
  all.insert(all.end(), args.begin(), args.end());
  Kwargs merged = t.kwargs;
  for (const auto& [k, v] : kwargs) {  // later keywords override the partial's, as Python's
    bool replaced = false;
    for (auto& [mk, mv] : merged) {
      if (mk == k) {
        mv = v;
        replaced = true;
      }
    }
    if (!replaced) merged.emplace_back(k, v);
  }
  return call(t.function, all, merged);
}

List Interpreter::args(const Step& step, Locals* locals) {
  const Field* f = step.find("args");
  if (!f) return {};
  return snapshot(std::get<ListPtr>(value(f->value, locals).v));
}

Kwargs Interpreter::kwargs(const Step& step, Locals* locals) {
  Kwargs out;
  if (const Field* f = step.find("kwargs")) {
    for (std::size_t i = 0; i < f->value.items.size(); ++i) {
      out.emplace_back(f->value.keys[i], value(f->value.items[i], locals));
    }
  }
  return out;
}

namespace {
thread_local std::exception_ptr tl_handling;
}  // namespace

Interpreter::Handling::Handling(std::exception_ptr e) : previous_(std::move(tl_handling)) {
  tl_handling = std::move(e);
}
Interpreter::Handling::~Handling() { tl_handling = std::move(previous_); }
std::exception_ptr Interpreter::Handling::current() { return tl_handling; }

bool Interpreter::unbind(const std::string& name, Locals* locals) {
  Value old;
  if (locals) {
    auto it = locals->find(name);
    if (it != locals->end()) {
      old = std::move(it->second);
      locals->erase(it);
      return true;
    }
  }
  {
    std::lock_guard lock(globals_mutex_);
    auto it = globals_.find(name);
    if (it == globals_.end()) return false;
    old = std::move(it->second);
    globals_.erase(it);
  }
  return true;
}

Value Interpreter::call(const std::string& name, const List& args, const Kwargs& kwargs) {
  const Function& fn = program_.functions.at(name);
  const auto& params = fn.params;
  Locals locals;
  for (std::size_t i = 0; i < args.size() && i < params.size(); ++i) locals[params[i]] = args[i];
  for (const auto& [key, value] : kwargs) {
    std::size_t i = 0;
    while (i < params.size() && params[i] != key) ++i;
    if (i == params.size())
      raise("TypeError", name + "() got an unexpected keyword argument '" + key + "'");
    if (!locals.emplace(key, value).second) {
      raise("TypeError", name + "() got multiple values for argument '" + key + "'");
    }
  }
  if (args.size() > params.size()) {
    raise("TypeError", name + "() takes " + plural(params.size(), "positional argument") + " but " +
                           std::to_string(args.size()) +
                           (args.size() == 1 ? " was given" : " were given"));
  }
  std::vector<std::string> missing;
  for (const auto& p : params) {
    if (!locals.count(p)) missing.push_back(p);
  }
  if (!missing.empty()) raise("TypeError", missing_text(name, missing));
  FrameGuard frame;
  const int line = current_line();
  Value result;
  try {
    run(fn.body, &locals);
  } catch (Return& r) {
    result = std::move(r.value);
  }
  set_current_line(line);
  return result;
}

bool Interpreter::bound(const std::string& name, Locals* locals) {
  if (locals && locals->count(name)) return true;
  std::lock_guard lock(globals_mutex_);
  return globals_.count(name) > 0;
}

Value Interpreter::lookup(const std::string& name, Locals* locals) {
  if (locals) {
    auto it = locals->find(name);
    if (it != locals->end()) return it->second;
  }
  {
    std::lock_guard lock(globals_mutex_);
    auto it = globals_.find(name);
    if (it != globals_.end()) return it->second;
  }
  Value out;
  if (name == "TIMEOUT_MAX") return Value(pt::TIMEOUT_MAX);
  if (name == "Lock") return Value(lock_class());
  if (Scope::root(name, {}, out)) return out;
  raise("NameError", "name '" + name + "' is not defined");
}

void Interpreter::assign(const std::string& name, Value value, Locals* locals) {
  Value old;  // the previous value is released after the locks (it may run a finalizer)
  if (locals) {
    Value& slot = (*locals)[name];
    old = std::move(slot);
    slot = std::move(value);
    return;
  }
  std::lock_guard lock(globals_mutex_);
  Value& slot = globals_[name];
  old = std::move(slot);
  slot = std::move(value);
}

Value Interpreter::value(const ValueNode& node, Locals* locals) {
  switch (node.kind) {
    case ValueNode::Kind::literal:
      return node.literal;
    case ValueNode::Kind::text: {
      Scope scope(*this, locals);
      return render(*node.text, scope);
    }
    case ValueNode::Kind::list:
    case ValueNode::Kind::mapping: {
      auto list = std::make_shared<List>();
      for (const auto& item : node.items) list->push_back(value(item, locals));
      return {list};
    }
  }
  return {};
}

Value Interpreter::eval(const Expr& expr, Locals* locals) {
  Scope scope(*this, locals);
  return evaluate(expr, scope);
}

std::string Interpreter::text(const Field& field, Locals* locals) {
  return py_str(value(field.value, locals));
}

double Interpreter::seconds(const Field& field, Locals* locals) {
  const double s = to_seconds(value(field.value, locals));
  return s < 0 ? s : s * scale_;
}

std::optional<double> Interpreter::timeout(const Step& step, std::string_view field,
                                           Locals* locals) {
  const Field* f = step.find(field);
  if (!f) return std::nullopt;
  Value v = value(f->value, locals);
  if (v.is_none()) return std::nullopt;
  const double s = to_seconds(v);
  return s < 0 ? s : s * scale_;
}

void Interpreter::register_atexit(std::string name, std::function<void()> fn) {
  std::lock_guard lock(atexit_mutex_);
  atexit_.emplace_back(std::move(name), std::move(fn));
}

void Interpreter::run_atexit() {
  for (;;) {
    std::pair<std::string, std::function<void()>> handler;
    {
      std::lock_guard lock(atexit_mutex_);
      if (atexit_.empty()) return;
      handler = std::move(atexit_.back());
      atexit_.pop_back();
    }
    try {
      handler.second();
    } catch (const pt::PythonError& e) {
      const std::string message = e.what();
      write_stderr_report(
          {"Exception ignored in atexit callback: " + handler.first,
           "Traceback (most recent call last):",
           "  File \"<scenario>\", line " + std::to_string(current_line()) + ", in <atexit>",
           e.qualified_type_name() + (message.empty() ? "" : ": " + message)});
    }
  }
}

void Interpreter::finalize(Object& object, const Target& fn, List args) {
  auto f = std::make_shared<Finalizer>();
  f->fn = [this, fn, args = std::move(args), f = f.get()] {
    try {
      invoke(fn, args, {});
    } catch (const pt::PythonError& e) {
      const std::string message = e.what();
      write_stderr_report(
          {"Exception ignored in: <finalize object at " + address_of(f) + "; dead>",
           "Traceback (most recent call last):",
           "  File \"<scenario>\", line " + std::to_string(current_line()) + ", in " + fn.function,
           e.qualified_type_name() + (message.empty() ? "" : ": " + message)});
    }
  };
  object.add_finalizer(f);
  std::lock_guard lock(atexit_mutex_);
  finalizers_.push_back(f);
  if (!finalize_hook_registered_) {  // weakref.finalize's own exit handler, registered once
    finalize_hook_registered_ = true;
    atexit_.emplace_back("<function finalize._exitfunc>", [this] {
      for (;;) {
        std::shared_ptr<Finalizer> next;
        {
          std::lock_guard lock(atexit_mutex_);
          while (!finalizers_.empty() && !next) {
            next = finalizers_.back().lock();
            finalizers_.pop_back();
          }
        }
        if (!next) return;
        next->run();  // newest first, as weakref.finalize._exitfunc
      }
    });
  }
}

int Interpreter::fork() {
  std::scoped_lock lock(globals_mutex_, labels_mutex_, atexit_mutex_);
  return fork_with_output_lock();
}

std::string Interpreter::new_label(const std::string& var) {
  std::lock_guard lock(labels_mutex_);
  return var + "[" + std::to_string(label_counts_[var]++) + "]";
}

void Interpreter::install_excepthook(std::optional<std::string> fn) {
  if (!fn) {
    pt::set_excepthook({});  // the library's default report, traced through its output sink
    return;
  }
  pt::set_excepthook([this, name = *fn](const pt::ExceptHookArgs& args) {
    call(name, List{Value(std::make_shared<HookArgsObject>(args))});
  });
}

}  // namespace threadspec::executor
