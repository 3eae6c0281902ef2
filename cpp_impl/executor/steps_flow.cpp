// Handlers of the flow steps (protocol 2): if, while, try, reraise, return, eval, del,
// object, subclass, collect.
#include "exceptions.hpp"
#include "interpreter.hpp"
#include "objects.hpp"
#include "output.hpp"

namespace threadspec::executor {

namespace {

namespace pt = pythreading;

void if_step(Interpreter& in, const Step& s, Locals* locals) {
  if (truthy(in.eval(*s.at("cond").expr, locals))) {
    in.run(s.at("then").steps, locals);
  } else if (const Field* otherwise = s.find("else")) {
    in.run(otherwise->steps, locals);
  }
}

void while_step(Interpreter& in, const Step& s, Locals* locals) {
  const long long max = to_index(in.value(s.at("max").value, locals));
  const auto& body = s.at("body").steps;
  const Expr& cond = *s.at("cond").expr;
  for (long long i = 0;; ++i) {
    if (!truthy(in.eval(cond, locals))) return;
    if (i >= max) {
      raise("RuntimeError", "while loop still true after " + std::to_string(max) + " iterations");
    }
    in.run(body, locals);
  }
}

/// The handler of `handlers` that matches exception type `type`, or nullptr.
const ExceptHandler* matching(const std::vector<ExceptHandler>& handlers, const std::string& type) {
  for (const auto& h : handlers) {
    for (const auto& t : h.types) {
      const std::string& base = t == "ThreadError" ? std::string("RuntimeError") : t;
      if (is_exception_subclass(type, base)) return &h;
    }
  }
  return nullptr;
}

void try_step(Interpreter& in, const Step& s, Locals* locals) {
  const Field* handlers = s.find("except");
  const Field* otherwise = s.find("else");
  const Field* finally = s.find("finally");
  try {
    bool raised = false;
    try {
      in.run(s.at("body").steps, locals);
    } catch (const pt::PythonError& e) {
      const ExceptHandler* h = handlers ? matching(handlers->handlers, e.type_name()) : nullptr;
      if (!h) throw;
      raised = true;
      auto caught =
          std::make_shared<ExceptionObject>(e.type_name(), e.what(), std::current_exception());
      Interpreter::Handling handling(caught->exception);
      set_current_line(h->line);
      if (!h->as.empty()) in.assign(h->as, Value(caught), locals);
      try {
        in.run(h->body, locals);
      } catch (...) {
        if (!h->as.empty()) in.unbind(h->as, locals);
        throw;
      }
      if (!h->as.empty()) in.unbind(h->as, locals);
    }
    if (!raised && otherwise) in.run(otherwise->steps, locals);
  } catch (...) {
    if (finally) in.run(finally->steps, locals);
    throw;
  }
  if (finally) in.run(finally->steps, locals);
}

void reraise_step(Interpreter&, const Step&, Locals*) {
  const std::exception_ptr e = Interpreter::Handling::current();
  if (!e) raise("RuntimeError", "No active exception to reraise");
  std::rethrow_exception(e);
}

void return_step(Interpreter& in, const Step& s, Locals* locals) {
  throw Interpreter::Return{in.value(s.at("value").value, locals)};
}

void eval_step(Interpreter& in, const Step& s, Locals* locals) {
  (void)in.eval(*s.at("expr").expr, locals);
}

void del_step(Interpreter& in, const Step& s, Locals* locals) {
  const std::string& name = s.at("var").word;
  if (!in.unbind(name, locals)) raise("NameError", "name '" + name + "' is not defined");
}

void object_step(Interpreter& in, const Step& s, Locals* locals) {
  const Field* cls = s.find("class");
  const Field* call = s.find("call");
  const Field* b = s.find("bool");
  auto object = std::make_shared<PlainObject>(
      object_class(cls ? cls->word : "Object", call ? call->word : "", b ? b->word : ""));
  object->self = object;
  if (call) {  // __call__(self, *args, **kwargs)
    object->call_hook = [&in, fn = call->word](const Value& self, const List& args,
                                               const Kwargs& kwargs) {
      List all{self};
      all.insert(all.end(), args.begin(), args.end());
      return in.call(fn, all, kwargs);
    };
  }
  if (b) {  // __bool__(self)
    object->bool_hook = [&in, fn = b->word](const Value& self) { return in.call(fn, List{self}); };
  }
  in.assign(s.at("var").word, Value(object), locals);
}

/// class NAME(base): pass. Whether the base accepts a subclass is its type's property: for
/// Lock, pythreading::Lock's finality (objects.hpp).
void subclass_step(Interpreter& in, const Step& s, Locals* locals) {
  const std::string& name = s.at("var").word;
  in.assign(name, Value(subclass(name, in.eval(*s.at("base").expr, locals))), locals);
}

/// gc.collect(): objects are reference-counted, so nothing unreachable remains to collect.
void collect_step(Interpreter&, const Step&, Locals*) {}

constexpr HandlerEntry kHandlers[] = {
    {"if", if_step},           {"while", while_step},
    {"try", try_step},         {"reraise", reraise_step},
    {"return", return_step},   {"eval", eval_step},
    {"del", del_step},         {"object", object_step},
    {"collect", collect_step}, {"subclass", subclass_step},
};

}  // namespace

std::span<const HandlerEntry> flow_handlers() { return kHandlers; }

}  // namespace threadspec::executor
