// Run-time DeprecationWarnings; contracts in warnings.hpp.
#include "pythreading/warnings.hpp"

#include <memory>
#include <set>
#include <tuple>
#include <utility>

#include "pythreading/errors.hpp"
#include "pythreading/output.hpp"
#include "pythreading/thread_annotations.hpp"

namespace pythreading::warnings {
namespace {

using Key = std::tuple<std::string, long, std::string>;  // filename, lineno, message

// Never destroyed: daemon threads may warn until _exit.
struct State {
  detail::AnnotatedMutex mu;
  Action action PYTHREADING_GUARDED_BY(mu) = Action::kDefault;
  std::set<Key> seen PYTHREADING_GUARDED_BY(mu);                   // kDefault's registry
  std::set<std::string> seen_messages PYTHREADING_GUARDED_BY(mu);  // kOnce's
  std::shared_ptr<const LocationResolver> resolver PYTHREADING_GUARDED_BY(mu);
};

State& state() {
  static State* const s = new State;
  return *s;
}

}  // namespace

void set_location_resolver(LocationResolver resolver) {
  auto fresh = resolver ? std::make_shared<const LocationResolver>(std::move(resolver)) : nullptr;
  State& s = state();
  detail::AnnotatedLock lock(s.mu);
  s.resolver.swap(fresh);
}

void simplefilter(Action action) {
  State& s = state();
  detail::AnnotatedLock lock(s.mu);
  s.action = action;
}

void resetwarnings() {
  State& s = state();
  detail::AnnotatedLock lock(s.mu);
  s.action = Action::kDefault;
  s.seen.clear();
  s.seen_messages.clear();
}

std::string formatwarning(std::string_view message, std::string_view category,
                          const Location& where) {
  std::string text = where.filename;
  text += ':';
  text += std::to_string(where.lineno);
  text += ": ";
  text += category;
  text += ": ";
  text += message;
  text += '\n';
  return text;
}

void warn_deprecated(std::string_view message, CallSite where) {
  State& s = state();
  std::shared_ptr<const LocationResolver> resolver;
  {
    detail::AnnotatedLock lock(s.mu);
    resolver = s.resolver;
  }
  std::optional<Location> at;
  if (resolver) at = (*resolver)();
  if (!at) at = Location{where.file, static_cast<long>(where.line)};
  {
    detail::AnnotatedLock lock(s.mu);
    switch (s.action) {
      case Action::kIgnore:
        return;
      case Action::kError:
        throw Exception("DeprecationWarning", std::string(message));
      case Action::kAlways:
        break;
      case Action::kOnce:
        if (!s.seen_messages.emplace(message).second) return;
        break;
      case Action::kDefault:
        if (!s.seen.emplace(at->filename, at->lineno, std::string(message)).second) return;
        break;
    }
  }
  write_output(formatwarning(message, "DeprecationWarning", *at));
}

}  // namespace pythreading::warnings
