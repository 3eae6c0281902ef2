// Handlers of the thread steps: thread, timer, start, join, cancel, set_daemon, set_name.
#include "interpreter.hpp"
#include "objects.hpp"

namespace threadspec::executor {

namespace {

namespace pt = pythreading;

void thread_step(Interpreter& in, const Step& s, Locals* locals) {
  const std::string& var = s.at("var").word;
  pt::ThreadOptions opts;
  if (const Field* name = s.find("name")) opts.name = in.text(*name, locals);
  if (const Field* daemon = s.find("daemon")) opts.daemon = truthy(in.value(daemon->value, locals));
  const std::string label = in.new_label(var);
  if (const Field* target = s.find("target")) {
    const std::string fn = target->word;
    opts.target_name = fn;
    opts.target = [&in, fn, label, args = in.args(s, locals), kwargs = in.kwargs(s, locals)] {
      in.run_target(label, fn, args, kwargs);
    };
  }
  in.assign(var, Value(std::make_shared<ThreadObject>(pt::Thread(std::move(opts)))), locals);
}

void timer_step(Interpreter& in, const Step& s, Locals* locals) {
  const std::string& var = s.at("var").word;
  const std::string fn = s.at("target").word;
  const std::string label = in.new_label(var);
  pt::Timer t(in.seconds(s.at("interval"), locals),
              [&in, fn, label, args = in.args(s, locals)] { in.run_target(label, fn, args, {}); });
  in.assign(var, Value(std::make_shared<TimerObject>(std::move(t))), locals);
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
}

void cancel_step(Interpreter& in, const Step& s, Locals* locals) {
  in.object<TimerObject>(s, "var", locals, "cancel")->timer.cancel();
}

void set_daemon_step(Interpreter& in, const Step& s, Locals* locals) {
  auto t = in.object<ThreadObject>(s, "var", locals, "setDaemon");
  in.deprecation(s, "setDaemon() is deprecated, set the daemon attribute instead");
  t->thread.set_daemon(truthy(in.value(s.at("value").value, locals)));
}

void set_name_step(Interpreter& in, const Step& s, Locals* locals) {
  auto t = in.object<ThreadObject>(s, "var", locals, "setName");
  in.deprecation(s, "setName() is deprecated, set the name attribute instead");
  t->thread.set_name(in.text(s.at("value"), locals));
}

constexpr HandlerEntry kHandlers[] = {
    {"thread", thread_step},     {"timer", timer_step},   {"start", start_step},
    {"join", join_step},         {"cancel", cancel_step}, {"set_daemon", set_daemon_step},
    {"set_name", set_name_step},
};

}  // namespace

std::span<const HandlerEntry> thread_handlers() { return kHandlers; }

}  // namespace threadspec::executor
