// Handlers of the synchronisation steps: the constructors (lock, rlock, event, semaphore,
// bounded_semaphore, condition, barrier, local) and acquire, release, with, set, clear,
// wait, notify, notify_all.
#include "interpreter.hpp"
#include "objects.hpp"

namespace threadspec::executor {

namespace {

template <class T>
void make_step(Interpreter& in, const Step& s, Locals* locals) {
  in.assign(s.at("var").word, Value(std::make_shared<T>()), locals);
}

/// threading.Lock(*args): the C type takes no arguments.
void lock_step(Interpreter& in, const Step& s, Locals* locals) {
  in.assign(s.at("var").word, new_lock(in.args(s, locals)), locals);
}

/// threading.RLock(*args, **kwargs): pythreading's RLock(RLockArguments) ignores them and
/// warns for any, as 3.13 does.
void rlock_step(Interpreter& in, const Step& s, Locals* locals) {
  const List args = in.args(s, locals);
  const Kwargs kwargs = in.kwargs(s, locals);
  in.assign(
      s.at("var").word,
      Value(std::make_shared<RLockObject>(pythreading::RLockArguments{args.size(), kwargs.size()})),
      locals);
}

void local_step(Interpreter& in, const Step& s, Locals* locals) {
  auto local = std::make_shared<LocalObject>();
  local->self = local;
  List args = in.args(s, locals);
  Kwargs kwargs = in.kwargs(s, locals);
  if (const Field* init = s.find("init")) {
    const Field* cls = s.find("class");
    local->cls = cls ? cls->word : "LocalSubclass";
    local->type = local_class(local->cls, init->word);
    local->init = [&in, fn = init->word, args = std::move(args),
                   kwargs = std::move(kwargs)](const Value& self) {
      List all{self};
      all.insert(all.end(), args.begin(), args.end());
      in.call(fn, all, kwargs);
    };
    (void)local->touch();  // __init__ runs in the creating thread at once
  } else if (!args.empty() || !kwargs.empty()) {
    raise("TypeError", "Initialization arguments are not supported");
  } else if (const Field* cls = s.find("class")) {
    local->cls = cls->word;
  }
  in.assign(s.at("var").word, Value(local), locals);
}

template <bool Bounded>
void semaphore_step(Interpreter& in, const Step& s, Locals* locals) {
  const Field* value = s.find("value");
  const long long n = value ? to_index(in.value(value->value, locals)) : 1;
  in.assign(s.at("var").word, Value(std::make_shared<SemaphoreObject>(n, Bounded)), locals);
}

void condition_step(Interpreter& in, const Step& s, Locals* locals) {
  ObjectPtr lock;
  if (const Field* l = s.find("lock")) {
    Value v = in.lookup(l->word, locals);
    auto o = v.get_if<ObjectPtr>();
    if (!o) raise("AttributeError", "'" + type_name(v) + "' object has no attribute 'acquire'");
    lock = *o;
  }
  in.assign(s.at("var").word, Value(std::make_shared<ConditionObject>(lock)), locals);
}

void barrier_step(Interpreter& in, const Step& s, Locals* locals) {
  const long long parties = to_index(in.value(s.at("parties").value, locals));
  std::function<void()> action;
  if (const Field* a = s.find("action")) {
    action = [&in, t = in.target(*a, locals)] { in.invoke(t, {}, {}); };
  }
  in.assign(s.at("var").word,
            Value(std::make_shared<BarrierObject>(parties, std::move(action),
                                                  in.timeout(s, "timeout", locals))),
            locals);
}

void acquire_step(Interpreter& in, const Step& s, Locals* locals) {
  auto lock = in.object<Acquirable>(s, "var", locals, "acquire");
  const Field* blocking = s.find("blocking");
  const bool got = lock->acquire(blocking ? truthy(in.value(blocking->value, locals)) : true,
                                 in.timeout(s, "timeout", locals));
  if (const Field* into = s.find("into")) in.assign(into->word, Value(got), locals);
}

void release_step(Interpreter& in, const Step& s, Locals* locals) {
  auto lock = in.object<Acquirable>(s, "var", locals, "release");
  const Field* n = s.find("n");
  if (!n) {
    lock->release();
    return;
  }
  const Value count = in.value(n->value, locals);
  auto semaphore = std::dynamic_pointer_cast<SemaphoreObject>(lock);
  if (!semaphore) {
    raise("TypeError", lock->tp_name() + ".release() takes no arguments (1 given)");
  }
  semaphore->semaphore->release(static_cast<long>(to_index(count)));
}

void wait_for_step(Interpreter& in, const Step& s, Locals* locals) {
  auto c = in.object<ConditionObject>(s, "var", locals, "wait_for");
  const Expr& predicate = *s.at("predicate").expr;
  Value last;
  const bool result = c->condition->wait_for(
      [&] {
        last = in.eval(predicate, locals);
        return truthy(last);
      },
      in.timeout(s, "timeout", locals));
  (void)result;  // Python returns the predicate's last value itself
  if (const Field* into = s.find("into")) in.assign(into->word, last, locals);
}

void abort_step(Interpreter& in, const Step& s, Locals* locals) {
  in.object<BarrierObject>(s, "var", locals, "abort")->barrier.abort();
}

void reset_step(Interpreter& in, const Step& s, Locals* locals) {
  in.object<BarrierObject>(s, "var", locals, "reset")->barrier.reset();
}

void with_step(Interpreter& in, const Step& s, Locals* locals) {
  auto lock = in.object<Acquirable>(s, "var", locals, "__enter__");
  lock->acquire(true, std::nullopt);
  try {
    in.run(s.at("body").steps, locals);
  } catch (...) {
    lock->release();
    throw;
  }
  lock->release();
}

void set_step(Interpreter& in, const Step& s, Locals* locals) {
  in.object<EventObject>(s, "var", locals, "set")->event.set();
}

void clear_step(Interpreter& in, const Step& s, Locals* locals) {
  in.object<EventObject>(s, "var", locals, "clear")->event.clear();
}

void wait_step(Interpreter& in, const Step& s, Locals* locals) {
  Value v = in.lookup(s.at("var").word, locals);
  auto o = v.get_if<ObjectPtr>();
  auto waitable = o ? std::dynamic_pointer_cast<Waitable>(*o) : nullptr;
  if (!waitable) attribute_error(o ? (*o)->tp_name() : type_name(v), "wait");
  Value result = waitable->wait(in.timeout(s, "timeout", locals));
  if (const Field* into = s.find("into")) in.assign(into->word, std::move(result), locals);
}

void notify_step(Interpreter& in, const Step& s, Locals* locals) {
  auto c = in.object<ConditionObject>(s, "var", locals, "notify");
  const Field* n = s.find("n");
  c->call_method("notify", n ? List{in.value(n->value, locals)} : List{});
}

void notify_all_step(Interpreter& in, const Step& s, Locals* locals) {
  in.object<ConditionObject>(s, "var", locals, "notify_all")->condition->notify_all();
}

constexpr HandlerEntry kHandlers[] = {
    {"lock", lock_step},
    {"rlock", rlock_step},
    {"event", make_step<EventObject>},
    {"local", local_step},
    {"semaphore", semaphore_step<false>},
    {"bounded_semaphore", semaphore_step<true>},
    {"condition", condition_step},
    {"barrier", barrier_step},
    {"acquire", acquire_step},
    {"release", release_step},
    {"with", with_step},
    {"set", set_step},
    {"clear", clear_step},
    {"wait", wait_step},
    {"notify", notify_step},
    {"notify_all", notify_all_step},
    {"wait_for", wait_for_step},
    {"abort", abort_step},
    {"reset", reset_step},
};

}  // namespace

std::span<const HandlerEntry> sync_handlers() { return kHandlers; }

}  // namespace threadspec::executor
