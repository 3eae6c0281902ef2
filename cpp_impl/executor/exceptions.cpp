#include "exceptions.hpp"

#include <utility>

namespace threadspec::executor {

namespace {

/// (class, base) pairs: CPython 3.13's hierarchy for the classes the language names.
constexpr std::pair<std::string_view, std::string_view> kClasses[] = {
    {"BaseException", ""},
    {"SystemExit", "BaseException"},
    {"KeyboardInterrupt", "BaseException"},
    {"Exception", "BaseException"},
    {"ArithmeticError", "Exception"},
    {"ZeroDivisionError", "ArithmeticError"},
    {"OverflowError", "ArithmeticError"},
    {"AssertionError", "Exception"},
    {"AttributeError", "Exception"},
    {"LookupError", "Exception"},
    {"IndexError", "LookupError"},
    {"KeyError", "LookupError"},
    {"NameError", "Exception"},
    {"UnboundLocalError", "NameError"},
    {"RuntimeError", "Exception"},
    {"RecursionError", "RuntimeError"},
    {"NotImplementedError", "RuntimeError"},
    {"BrokenBarrierError", "RuntimeError"},
    {"TypeError", "Exception"},
    {"ValueError", "Exception"},
    {"OSError", "Exception"},
    {"Warning", "Exception"},
    {"DeprecationWarning", "Warning"},
};

std::string_view base_of(std::string_view name, bool& known) {
  for (const auto& [cls, base] : kClasses) {
    if (cls == name) {
      known = true;
      return base;
    }
  }
  known = false;
  return "";
}

}  // namespace

bool is_exception_class(std::string_view name) {
  bool known = false;
  base_of(name, known);
  return known;
}

bool is_exception_subclass(std::string_view cls, std::string_view base) {
  bool known = false;
  std::string_view current = cls;
  base_of(current, known);
  if (!known) return cls == base || base == "Exception" || base == "BaseException";
  while (!current.empty()) {
    if (current == base) return true;
    current = base_of(current, known);
  }
  return false;
}

std::string exception_module(std::string_view name) {
  return name == "BrokenBarrierError" ? "threading" : "builtins";
}

}  // namespace threadspec::executor
