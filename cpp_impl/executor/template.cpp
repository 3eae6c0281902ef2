#include "template.hpp"

namespace threadspec::executor {

namespace {

/// The offset of the `}` that closes the interpolation starting at `start` (just after its
/// `{`): the next `}` (section 3.2: an expression in a template contains no braces).
std::size_t closing_brace(std::string_view s, std::size_t start) {
  for (std::size_t i = start; i < s.size(); ++i) {
    if (s[i] == '}') return i;
    if (s[i] == '{') {
      throw ParseError("'{' inside an interpolation (write '{{' for a literal brace)", i);
    }
  }
  throw ParseError("unclosed '{' (write '{{' for a literal brace)", start - 1);
}

}  // namespace

Template parse_template(std::string_view s) {
  Template t;
  std::string literal;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '{' && i + 1 < s.size() && s[i + 1] == '{') {
      literal += '{';
      ++i;
    } else if (c == '}' && i + 1 < s.size() && s[i + 1] == '}') {
      literal += '}';
      ++i;
    } else if (c == '}') {
      throw ParseError("single '}' is not allowed (write '}}' for a literal brace)", i);
    } else if (c == '{') {
      const std::size_t end = closing_brace(s, i + 1);
      const std::string_view body = s.substr(i + 1, end - i - 1);
      if (body.find_first_not_of(" \t") == std::string_view::npos) {
        throw ParseError("empty expression '{}' (write '{{}}' for literal braces)", i);
      }
      ExprPtr expr;
      try {
        expr = parse_expression(body);
      } catch (const ParseError& e) {
        throw ParseError(e.what(), i + 1 + e.offset);
      }
      t.segments.push_back({std::move(literal), std::move(expr)});
      literal.clear();
      if (i == 0 && end == s.size() - 1) t.single_expression = true;
      i = end;
    } else {
      literal += c;
    }
  }
  if (!literal.empty() || t.segments.empty()) t.segments.push_back({std::move(literal), nullptr});
  return t;
}

Value render(const Template& t, Environment& env) {
  if (t.single_expression) return evaluate(*t.segments[0].expr, env);
  std::string out;
  for (const auto& segment : t.segments) {
    out += segment.literal;
    if (segment.expr) out += py_str(evaluate(*segment.expr, env));
  }
  return {out};
}

std::string render_text(const Template& t, Environment& env) { return py_str(render(t, env)); }

}  // namespace threadspec::executor
