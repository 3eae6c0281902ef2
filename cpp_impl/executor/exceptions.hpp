// The exception classes a scenario can raise and catch, with CPython's class hierarchy
// (so `except RuntimeError` catches BrokenBarrierError and RecursionError, `except
// Exception` catches everything but SystemExit and KeyboardInterrupt).
#pragma once

#include <string>
#include <string_view>

namespace threadspec::executor {

/// True for a class name the step language knows ("ValueError", "BrokenBarrierError", ...).
[[nodiscard]] bool is_exception_class(std::string_view name);
/// issubclass(cls, base) for known class names; an unknown `cls` (an exception the
/// implementation raised under another name) counts as a subclass of Exception only.
[[nodiscard]] bool is_exception_subclass(std::string_view cls, std::string_view base);
/// The module that defines the class ("builtins" or "threading").
[[nodiscard]] std::string exception_module(std::string_view name);

}  // namespace threadspec::executor
