// The run request (specs/README.md section 8.2): parsed and validated completely before the
// program runs, so that a request the executor cannot run is one error line and exit status
// 125, and the interpreter never meets a malformed field. Every template and expression is
// parsed here.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "template.hpp"
#include "value.hpp"
#include "vocabulary_table.hpp"

namespace threadspec::executor {

/// The protocols this executor speaks (section 8.1).
inline constexpr int kProtocols[] = {1, 2, 3};

/// What a field holds (specs/README.md section 4.8), as the request parser compiles it.
enum class FieldKind {
  new_var,          // a NAME the step assigns
  var,              // a NAME of a variable
  fn,               // the name of a function of the scenario
  fn_or_default,    // fn, or "default"
  callable,         // fn, {lambda: F}, {partial: F, args, kwargs} or {var: V}
  text,             // a template
  value,            // a value: scalar, template string, or list of values
  values,           // a list of values
  kwargs,           // a mapping NAME -> value
  expr,             // one expression
  seconds,          // a number, null (None) or "{EXPR}"
  integer,          // an integer or "{EXPR}"
  boolean,          // true/false or "{EXPR}"
  steps,            // a list of steps
  exception_type,   // an exception class name of the vocabulary
  handlers,         // except handlers of a try
  stream,           // "stdout" or "stderr"
  assign_target,    // NAME, NAME.ATTR, or an item target E[K] (then `expr` holds it)
  class_name,       // a NAME used as a class's __name__
  none,             // the step takes no value
  none_or_default,  // "None" or "default"
};

/// The FieldKind of a vocabulary kind name ("new-var", ...); nullopt for an unknown name.
[[nodiscard]] std::optional<FieldKind> field_kind(std::string_view vocabulary_kind);
/// Limits on a request: its size in bytes and the nesting depth of its JSON.
inline constexpr std::size_t kMaxRequestBytes = 64u << 20;
inline constexpr int kMaxJsonDepth = 200;

/// A request this executor cannot run. what() is one line naming the scenario line and the
/// field when they are known, in the words of the scenario format (no C++ type names).
class BadRequest : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A value field compiled: a literal, a template (strings), a list or a mapping of values.
struct ValueNode {
  enum class Kind { literal, text, list, mapping };
  Kind kind = Kind::literal;
  Value literal;                         // literal
  std::shared_ptr<const Template> text;  // text
  std::vector<ValueNode> items;          // list, mapping
  std::vector<std::string> keys;         // mapping: items[i]'s name
};

struct Step;

/// One `except` clause of a try step.
struct ExceptHandler {
  std::vector<std::string> types;
  std::string as;  // empty: no `as`
  std::vector<Step> body;
  int line = 0;
};

/// A callable field: a function, {lambda: F}, {partial: F, args, kwargs} or {var: V}.
struct Callable {
  enum class Kind { function, lambda, partial, var };
  Kind kind = Kind::function;
  std::string function;  // var: the variable's name
  ValueNode args;        // partial: a list
  ValueNode kwargs;      // partial: a mapping
};

/// One field of a step, in the form its kind needs.
struct Field {
  std::string name;
  FieldKind kind = FieldKind::none;
  ValueNode value;          // text, value, values, kwargs, seconds, integer, boolean
  std::string word;         // new_var, var, fn, fn_or_default, assign_target, exception_type,
                            // stream, class_name
  ExprPtr expr;             // expr; an item target of an assign_target
  std::vector<Step> steps;  // steps
  std::vector<ExceptHandler> handlers;  // handlers
  Callable callable;                    // callable
};

/// One step of the canonical form.
struct Step {
  const vocabulary::Step* spec = nullptr;
  std::size_t index = 0;  // the row of spec in vocabulary::kSteps
  int line = 0;           // its line in the YAML file (0 if the request has none)
  std::vector<Field> fields;

  /// The field called `name`, or nullptr when the step does not have it.
  [[nodiscard]] const Field* find(std::string_view name) const noexcept;
  /// The field called `name`; the caller knows it is required (validated).
  [[nodiscard]] const Field& at(std::string_view name) const;
  [[nodiscard]] bool has(std::string_view name) const noexcept { return find(name) != nullptr; }
};

/// A function of the scenario (always {params, body} in the canonical form).
struct Function {
  std::string name;
  std::vector<std::string> params;
  std::vector<Step> body;
};

/// logging.basicConfig(format=..., datefmt=..., level=...).
struct LoggingConfig {
  std::optional<std::string> format;
  std::optional<std::string> datefmt;
  std::optional<std::string> level;
};

struct Program {
  std::string id;
  int protocol = 1;
  std::map<std::string, Function, std::less<>> functions;
  std::vector<Step> main;
  std::optional<LoggingConfig> logging;
};

struct Request {
  int protocol = 1;
  double time_scale = 1.0;
  std::optional<std::string> trace;
  Program program;
};

/// Parses and validates a request's JSON text. Throws BadRequest (and nothing else but
/// std::bad_alloc) for anything this executor cannot run: malformed or too deeply nested
/// JSON, a missing or wrongly typed field, an unknown step or field, an unknown function or
/// exception class, a template or expression that does not parse, a number outside the range
/// the field allows. Never runs anything.
/// `implemented(name)` tells whether this executor implements step `name`; a step it does
/// not implement is rejected like an unknown one (default: every step of the vocabulary).
[[nodiscard]] Request parse_request(
    std::string_view text, const std::function<bool(std::string_view)>& implemented = nullptr);

}  // namespace threadspec::executor
