// Templates (specs/README.md section 3): strings in which `{EXPR}` is replaced by
// str(value of EXPR), `{{` and `}}` are literal braces. A template that is exactly one
// `{EXPR}` evaluates to the value itself, with its type. Parsing is total: every string
// either parses or throws ParseError (a lone `}`, an unclosed `{`, an empty `{}`, an
// expression that does not parse).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "expression.hpp"
#include "value.hpp"

namespace threadspec::executor {

/// A parsed template (immutable; shared by the threads that render it).
struct Template {
  struct Segment {
    std::string literal;  // text before `expr` (braces already unescaped)
    ExprPtr expr;         // null for a trailing literal
  };
  std::vector<Segment> segments;
  /// True when the whole string is one `{EXPR}`: render() returns its value.
  bool single_expression = false;
};

/// Parses `text`. Throws ParseError with the offset of the offending brace or character.
/// An interpolation runs from its `{` to the next `}` and contains no other brace.
[[nodiscard]] Template parse_template(std::string_view text);

/// The template's value: the expression's own value for a single-expression template,
/// else the string with every `{EXPR}` replaced by str(value). Raises the program's Python
/// exceptions from evaluating expressions.
[[nodiscard]] Value render(const Template& t, Environment& env);
/// str(render(t, env)).
[[nodiscard]] std::string render_text(const Template& t, Environment& env);

}  // namespace threadspec::executor
