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
  in.assign(s.at("var").word,
            Value(std::make_shared<BarrierObject>(parties, in.timeout(s, "timeout", locals))),
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
  in.object<Acquirable>(s, "var", locals, "release")->release();
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
  c->condition->notify(n ? static_cast<std::size_t>(to_index(in.value(n->value, locals))) : 1);
}

void notify_all_step(Interpreter& in, const Step& s, Locals* locals) {
  in.object<ConditionObject>(s, "var", locals, "notify_all")->condition->notify_all();
}

constexpr HandlerEntry kHandlers[] = {
    {"lock", make_step<LockObject>},
    {"rlock", make_step<RLockObject>},
    {"event", make_step<EventObject>},
    {"local", make_step<LocalObject>},
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
};

}  // namespace

std::span<const HandlerEntry> sync_handlers() { return kHandlers; }

}  // namespace threadspec::executor
