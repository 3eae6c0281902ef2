// Expressions of the scenario language (specs/README.md section 3): a subset of Python's
// expression grammar with its precedence, parsed once before the program runs and then
// evaluated against an Environment (variables, the threading roots, builtins).
//
//   or_expr:    and_expr ('or' and_expr)*
//   and_expr:   not_expr ('and' not_expr)*
//   not_expr:   'not' not_expr | comparison
//   comparison: bit_or (('=='|'!='|'<'|'<='|'>'|'>='|'is'|'is not'|'in'|'not in') bit_or)?
//   bit_or:     sum ('|' sum)*
//   sum:        unary (('+'|'-') unary)*
//   unary:      '-' unary | postfix
//   postfix:    atom ('.' NAME | '(' args? ')' | '[' or_expr ']')*
//   atom:       NAME | INT | FLOAT | STRING | True | False | None | '(' or_expr ')'
//               | '[' (or_expr (',' or_expr)* ','?)? ']'
// A format-1 dotted path (`t.name`, `len(enumerate)`) is an expression of this grammar.
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "value.hpp"

namespace threadspec::executor {

/// An expression or template that does not parse; `offset` is the byte offset of the
/// problem in the text that was parsed.
class ParseError : public std::runtime_error {
 public:
  ParseError(const std::string& message, std::size_t offset)
      : std::runtime_error(message), offset(offset) {}
  std::size_t offset;
};

/// A parsed expression (immutable; shared by every thread that evaluates it).
struct Expr {
  enum class Kind {
    name,     // text
    literal,  // value
    list,     // items
    attr,     // items[0] . text
    call,     // items[0] ( items[1..] )
    index,    // items[0] [ items[1] ]
    neg,      // - items[0]
    not_,     // not items[0]
    add,      // items[0] + items[1]
    sub,      // items[0] - items[1]
    bit_or,   // items[0] | items[1]
    compare,  // items[0] text items[1]  (text: == != < <= > >= is is_not in not_in)
    and_,     // items[0] and items[1]
    or_,      // items[0] or items[1]
  };
  Kind kind;
  std::string text;
  Value value;
  std::vector<std::shared_ptr<const Expr>> items;
  int depth = 1;  // of the tree below and including this node
};
using ExprPtr = std::shared_ptr<const Expr>;

/// The deepest nesting of parentheses, brackets, calls and unary operators accepted.
inline constexpr int kMaxExpressionDepth = 64;

/// Parses a whole expression. Throws ParseError (never anything else but std::bad_alloc)
/// for any text that is not an expression of the grammar above, including empty text,
/// trailing text, integer literals beyond 64 bits and nesting deeper than
/// kMaxExpressionDepth.
[[nodiscard]] ExprPtr parse_expression(std::string_view text);

/// What names mean while an expression is evaluated.
class Environment {
 public:
  virtual ~Environment() = default;
  /// The value of a bare name: a variable, else a threading root such as `current_thread`
  /// (called, as format 1 defines). Throws NameError("name 'x' is not defined").
  virtual Value name(const std::string& name) = 0;
  /// NAME(args): a root, a builtin, or a scenario function. Throws NameError for an unknown
  /// name and TypeError("'T' object is not callable") when NAME is a variable.
  virtual Value call(const std::string& name, const List& args) = 0;
};

/// Evaluates `expr` with Python's semantics for the operators above. Raises the program's
/// Python exceptions (pythreading::PythonError): TypeError for unsupported operands,
/// IndexError, AttributeError, NameError, OverflowError for 64-bit overflow of + and -.
/// `|` is bit_or (value.hpp).
[[nodiscard]] Value evaluate(const Expr& expr, Environment& env);

/// The builtins every environment offers: len, str, repr, type, int, bool. Returns true and
/// sets `out` when `name` is one of them.
bool call_builtin(const std::string& name, const List& args, Value& out);

}  // namespace threadspec::executor
