// Handlers of the control steps: assign, sleep, for, forever, call, raise, exit, excepthook.
#include "interpreter.hpp"
#include "objects.hpp"

namespace threadspec::executor {

namespace {

namespace pt = pythreading;

void assign_step(Interpreter& in, const Step& s, Locals* locals) {
  const std::string& target = s.at("target").word;
  Value value = in.value(s.at("value").value, locals);
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
  if (auto list = sequence.get_if<ListPtr>()) {
    items = **list;  // Python iterates the list object; the language cannot mutate one
  } else if (auto str = sequence.get_if<std::string>()) {
    for (char c : *str) items.push_back(Value(std::string(1, c)));
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
  in.call(s.at("fn").word, in.args(s, locals), in.kwargs(s, locals));
}

void raise_step(Interpreter& in, const Step& s, Locals* locals) {
  const Field* message = s.find("message");
  throw pt::Exception(s.at("type").word, message ? in.text(*message, locals) : "");
}

void exit_step(Interpreter& in, const Step& s, Locals* locals) {
  throw pt::SystemExit(py_str(in.value(s.at("code").value, locals)));
}

void excepthook_step(Interpreter& in, const Step& s, Locals*) {
  const std::string& fn = s.at("fn").word;
  in.install_excepthook(fn == "default" ? std::nullopt : std::optional(fn));
}

constexpr HandlerEntry kHandlers[] = {
    {"assign", assign_step}, {"sleep", sleep_step},
    {"for", for_step},       {"forever", forever_step},
    {"call", call_step},     {"raise", raise_step},
    {"exit", exit_step},     {"excepthook", excepthook_step},
};

}  // namespace

std::span<const HandlerEntry> control_handlers() { return kHandlers; }

}  // namespace threadspec::executor
