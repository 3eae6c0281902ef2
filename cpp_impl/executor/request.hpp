// The run request (specs/README.md section 8.2): parsed and validated completely before the
// program runs, so that a request the executor cannot run is one error line and exit status
// 125, and the interpreter never meets a malformed field. Every template and expression is
// parsed here.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "step_table.hpp"
#include "template.hpp"
#include "value.hpp"

namespace threadspec::executor {

/// The protocols this executor speaks (section 8.1).
inline constexpr int kProtocols[] = {1};
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
  Value literal;                                         // literal
  std::shared_ptr<const Template> text;                  // text
  std::vector<std::pair<std::string, ValueNode>> items;  // list (names empty), mapping
};

struct Step;

/// One field of a step, in the form its kind needs.
struct Field {
  std::string name;
  FieldKind kind;
  ValueNode value;         // text, value, values, kwargs, seconds, timeout, integer, count, boolean
  std::string name_value;  // new_var, var, assign_target, function, hook, exception_type, stream
  ExprPtr expr;            // expression
  std::vector<Step> steps;  // steps
};

/// One step of the canonical form.
struct Step {
  const StepSpec* spec = nullptr;
  std::size_t index = 0;  // the row of spec in kStepTable
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
[[nodiscard]] Request parse_request(std::string_view text);

}  // namespace threadspec::executor
