// Handlers of the thread steps: thread (targets of every callable kind, subclasses with
// run() overridden), timer, start, join, cancel, set_daemon, set_name, start_new_thread.
#include <set>
#include <thread>

#include "interpreter.hpp"
#include "objects.hpp"
#include "output.hpp"

namespace threadspec::executor {

namespace {

namespace pt = pythreading;

/// A class name that outlives every thread (Thread::set_class_name keeps the pointer).
const char* interned(const std::string& name) {
  static std::mutex mutex;
  static std::set<std::string> names;
  std::lock_guard lock(mutex);
  return names.insert(name).first->c_str();
}

/// `class CLASS(threading.Thread)` whose run(self) calls the scenario function F(self).
class SubclassThread : public pt::Thread {
 public:
  SubclassThread(pt::ThreadOptions opts, Interpreter& in, Interpreter::Target run,
                 std::string label)
      : pt::Thread(std::move(opts)), in_(in), run_(std::move(run)), label_(std::move(label)) {}
  void run() override {
    in_.run_target(label_, run_, List{Value(std::make_shared<ThreadObject>(pt::current_thread()))},
                   {});
  }

 private:
  Interpreter& in_;
  Interpreter::Target run_;
  std::string label_;
};

void thread_step(Interpreter& in, const Step& s, Locals* locals) {
  const std::string& var = s.at("var").word;
  pt::ThreadOptions opts;
  if (const Field* name = s.find("name")) opts.name = in.text(*name, locals);
  if (const Field* daemon = s.find("daemon")) opts.daemon = truthy(in.value(daemon->value, locals));
  const std::string label = in.new_label(var);
  List args = in.args(s, locals);
  Kwargs kwargs = in.kwargs(s, locals);
  std::optional<Interpreter::Target> target;
  if (const Field* t = s.find("target")) {
    target = in.target(*t, locals);
    opts.target_name = target->name;
  }
  if (const Field* run = s.find("run")) {
    const Field* cls = s.find("class");
    Interpreter::Target body{run->word, run->word, {}, {}, {}};
    auto thread = pt::make_thread<SubclassThread>(std::move(opts), in, std::move(body), label);
    thread->set_class_name(interned(cls ? cls->word : "ThreadSubclass"));
    in.assign(var, Value(std::make_shared<ThreadObject>(std::shared_ptr<pt::Thread>(thread))),
              locals);
    return;
  }
  if (target) {
    opts.target = [&in, t = std::move(*target), label, args = std::move(args),
                   kwargs = std::move(kwargs)] { in.run_target(label, t, args, kwargs); };
  }
  in.assign(var, Value(std::make_shared<ThreadObject>(pt::Thread(std::move(opts)))), locals);
}

/// threading.Timer(interval, target, args=[..], kwargs={..}): the list and dict (new empty
/// ones when the step gives none, as Python 3's defaults) are the Timer's function arguments,
/// so the call reads them when the Timer fires, and the program reads them as t.args and
/// t.kwargs.
void timer_step(Interpreter& in, const Step& s, Locals* locals) {
  const std::string& var = s.at("var").word;
  const std::string label = in.new_label(var);
  auto args = std::make_shared<List>(in.args(s, locals));
  auto kwargs = std::make_shared<DictObject>(in.kwargs(s, locals));
  pt::Timer t(
      in.seconds(s.at("interval"), locals),
      [&in, target = in.target(s.at("target"), locals), label](
          const ListPtr& a, const std::shared_ptr<DictObject>& k) {
        set_thread_label(label);  // before reading the arguments, which may raise
        in.run_target(label, target, snapshot(a), k->as_kwargs());
      },
      args, kwargs);
  in.assign(var, Value(std::make_shared<TimerObject>(std::move(t), args, kwargs)), locals);
}

void start_step(Interpreter& in, const Step& s, Locals* locals) {
  in.object<ThreadObject>(s, "var", locals, "start")->thread.start();
}

void join_step(Interpreter& in, const Step& s, Locals* locals) {
  auto t = in.object<ThreadObject>(s, "var", locals, "join");
  if (auto timeout = in.timeout(s, "timeout", locals)) {
    t->thread.join(*timeout);
  } else {
    t->thread.join();
  }
  if (const Field* into = s.find("into")) in.assign(into->word, Value(), locals);  // None
}

void cancel_step(Interpreter& in, const Step& s, Locals* locals) {
  in.object<TimerObject>(s, "var", locals, "cancel")->timer.cancel();
}

void set_daemon_step(Interpreter& in, const Step& s, Locals* locals) {
  auto t = in.object<ThreadObject>(s, "var", locals, "setDaemon");
  t->call_method("setDaemon", List{in.value(s.at("value").value, locals)});
}

void set_name_step(Interpreter& in, const Step& s, Locals* locals) {
  auto t = in.object<ThreadObject>(s, "var", locals, "setName");
  t->call_method("setName", List{Value(in.text(s.at("value"), locals))});
}

/// _thread.start_new_thread(F, args, kwargs): an OS thread pythreading did not create (its
/// current_thread() is a _DummyThread); an exception escaping F is reported as _thread
/// reports it, and the process does not wait for the thread at exit.
void start_new_thread_step(Interpreter& in, const Step& s, Locals* locals) {
  std::optional<std::string> label;
  if (const Field* l = s.find("label")) label = in.new_label(l->word);
  const std::string fn = s.at("fn").word;
  List args = in.args(s, locals);
  Kwargs kwargs = in.kwargs(s, locals);
  std::thread worker([&in, fn, label, args = std::move(args), kwargs = std::move(kwargs)] {
    try {
      in.run_target(label, Interpreter::Target{fn, fn, {}, {}, {}}, args, kwargs);
    } catch (const pt::PythonError& e) {
      if (std::string(e.type_name()) == "SystemExit") return;
      const std::string message = e.what();
      emit(2, "Exception ignored in thread started by <function " + fn + " at " +
                  address_of(&in.program().functions.at(fn)) + ">:");
      emit(2, "Traceback (most recent call last):");
      emit(2, "  File \"<scenario>\", line " + std::to_string(current_line()) + ", in " + fn);
      emit(2, e.qualified_type_name() + (message.empty() ? "" : ": " + message));
    }
  });
  const auto ident = static_cast<long long>(worker.native_handle());  // get_ident() inside it
  worker.detach();
  if (const Field* into = s.find("into")) in.assign(into->word, Value(ident), locals);
}

constexpr HandlerEntry kHandlers[] = {
    {"thread", thread_step},     {"timer", timer_step},
    {"start", start_step},       {"join", join_step},
    {"cancel", cancel_step},     {"set_daemon", set_daemon_step},
    {"set_name", set_name_step}, {"start_new_thread", start_new_thread_step},
};

}  // namespace

std::span<const HandlerEntry> thread_handlers() { return kHandlers; }

}  // namespace threadspec::executor
