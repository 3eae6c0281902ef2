// The step vocabulary as the C++ executor reads it: every step of the canonical form
// (specs/README.md section 8.2) with its fields, each field's kind and whether it is
// required. Request validation checks steps against this table, and a test checks that the
// interpreter has exactly one handler per entry.
//
// This file is data in a fixed shape (one kStepTable row per step, one FieldSpec per
// field) so that it can be generated from a machine-readable vocabulary.
#pragma once

#include <span>
#include <string_view>

namespace threadspec::executor {

/// What a field holds in the canonical form, and how it is checked before the run.
enum class FieldKind {
  new_var,         // a name the step binds (string matching [A-Za-z_][A-Za-z0-9_]*)
  var,             // a name the step reads (same pattern)
  assign_target,   // NAME or NAME.ATTR
  function,        // the name of a function of the scenario
  hook,            // a function of the scenario taking one parameter, or "default"
  text,            // a template (section 3), parsed before the run
  value,           // a value: scalar, template string, or list of values
  values,          // a list of values (positional arguments)
  kwargs,          // an object of name -> value (keyword arguments)
  seconds,         // a finite number of (unscaled) seconds
  timeout,         // seconds or null (None)
  integer,         // an integer in the 64-bit range
  count,           // a non-negative integer in the 64-bit range
  boolean,         // true or false
  steps,           // a list of steps
  exception_type,  // an exception class name the step language knows
  stream,          // "stdout" or "stderr"
  expression,      // an expression (section 3), parsed before the run
};

/// One field of a step.
struct FieldSpec {
  std::string_view name;
  FieldKind kind;
  bool required;
};

/// One step: its canonical name (`op`), the protocol that introduced it, its fields.
struct StepSpec {
  std::string_view name;
  int protocol;
  std::span<const FieldSpec> fields;
};

namespace step_fields {
using K = FieldKind;
inline constexpr FieldSpec thread[] = {{"var", K::new_var, true},  {"target", K::function, false},
                                       {"args", K::values, false}, {"kwargs", K::kwargs, false},
                                       {"name", K::text, false},   {"daemon", K::boolean, false}};
inline constexpr FieldSpec timer[] = {{"var", K::new_var, true},
                                      {"interval", K::seconds, true},
                                      {"target", K::function, true},
                                      {"args", K::values, false}};
inline constexpr FieldSpec var_only[] = {{"var", K::var, true}};
inline constexpr FieldSpec new_var_only[] = {{"var", K::new_var, true}};
inline constexpr FieldSpec join[] = {{"var", K::var, true}, {"timeout", K::timeout, false}};
inline constexpr FieldSpec set_daemon[] = {{"var", K::var, true}, {"value", K::boolean, true}};
inline constexpr FieldSpec set_name[] = {{"var", K::var, true}, {"value", K::text, true}};
inline constexpr FieldSpec assign[] = {{"target", K::assign_target, true},
                                       {"value", K::value, true}};
inline constexpr FieldSpec print[] = {{"text", K::text, true}, {"file", K::stream, false}};
inline constexpr FieldSpec log[] = {{"text", K::text, true}};
inline constexpr FieldSpec sleep[] = {{"seconds", K::seconds, true}};
inline constexpr FieldSpec for_[] = {{"var", K::new_var, true},
                                     {"range", K::count, false},
                                     {"in", K::expression, false},
                                     {"body", K::steps, true}};
inline constexpr FieldSpec forever[] = {{"body", K::steps, true}};
inline constexpr FieldSpec call[] = {{"fn", K::function, true}, {"args", K::values, false}};
inline constexpr FieldSpec raise[] = {{"type", K::exception_type, true},
                                      {"message", K::text, false}};
inline constexpr FieldSpec exit[] = {{"code", K::integer, true}};
inline constexpr FieldSpec excepthook[] = {{"fn", K::hook, true}};
inline constexpr FieldSpec semaphore[] = {{"var", K::new_var, true}, {"value", K::integer, false}};
inline constexpr FieldSpec condition[] = {{"var", K::new_var, true}, {"lock", K::var, false}};
inline constexpr FieldSpec barrier[] = {
    {"var", K::new_var, true}, {"parties", K::integer, true}, {"timeout", K::timeout, false}};
inline constexpr FieldSpec acquire[] = {{"var", K::var, true},
                                        {"blocking", K::boolean, false},
                                        {"timeout", K::seconds, false},
                                        {"into", K::new_var, false}};
inline constexpr FieldSpec with[] = {{"var", K::var, true}, {"body", K::steps, true}};
inline constexpr FieldSpec wait[] = {
    {"var", K::var, true}, {"timeout", K::timeout, false}, {"into", K::new_var, false}};
inline constexpr FieldSpec notify[] = {{"var", K::var, true}, {"n", K::count, false}};
}  // namespace step_fields

/// Every step the canonical form may contain, in the order of specs/README.md section 4.
inline constexpr StepSpec kStepTable[] = {
    {"thread", 1, step_fields::thread},
    {"timer", 1, step_fields::timer},
    {"start", 1, step_fields::var_only},
    {"join", 1, step_fields::join},
    {"cancel", 1, step_fields::var_only},
    {"set_daemon", 1, step_fields::set_daemon},
    {"set_name", 1, step_fields::set_name},
    {"assign", 1, step_fields::assign},
    {"print", 1, step_fields::print},
    {"debug", 1, step_fields::log},
    {"info", 1, step_fields::log},
    {"warning", 1, step_fields::log},
    {"error", 1, step_fields::log},
    {"critical", 1, step_fields::log},
    {"sleep", 1, step_fields::sleep},
    {"for", 1, step_fields::for_},
    {"forever", 1, step_fields::forever},
    {"call", 1, step_fields::call},
    {"raise", 1, step_fields::raise},
    {"exit", 1, step_fields::exit},
    {"excepthook", 1, step_fields::excepthook},
    {"lock", 1, step_fields::new_var_only},
    {"rlock", 1, step_fields::new_var_only},
    {"event", 1, step_fields::new_var_only},
    {"semaphore", 1, step_fields::semaphore},
    {"bounded_semaphore", 1, step_fields::semaphore},
    {"condition", 1, step_fields::condition},
    {"barrier", 1, step_fields::barrier},
    {"local", 1, step_fields::new_var_only},
    {"acquire", 1, step_fields::acquire},
    {"release", 1, step_fields::var_only},
    {"with", 1, step_fields::with},
    {"set", 1, step_fields::var_only},
    {"clear", 1, step_fields::var_only},
    {"wait", 1, step_fields::wait},
    {"notify", 1, step_fields::notify},
    {"notify_all", 1, step_fields::var_only},
};

/// The row of step `name`, or nullptr.
constexpr const StepSpec* find_step(std::string_view name) {
  for (const auto& s : kStepTable) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace threadspec::executor
