// pythreading/errors.hpp: the Python exception types that pythreading throws.
//
// Each type carries the exact message CPython's threading module uses for the same
// error, so a C++ program and a Python program report failures with the same text.
// what() returns that message; type_name() returns the Python exception class name
// ("RuntimeError", "ValueError", ...) and module_name() its module ("" for a builtin), used
// by the default excepthook, which names a non-builtin type as CPython does
// ("threading.BrokenBarrierError").
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace pythreading {

/// Base of every pythreading exception. Thread-safe to copy and to read.
class PythonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  /// The Python class name of this exception, e.g. "RuntimeError".
  [[nodiscard]] virtual const char* type_name() const noexcept { return "Exception"; }
  /// The module of this exception's Python class, "" for a builtin (every type here but
  /// BrokenBarrierError, whose module is "threading").
  [[nodiscard]] virtual const char* module_name() const noexcept { return ""; }
  /// The type as CPython's traceback prints it: type_name() for a builtin, else
  /// "module.TypeName" (e.g. "threading.BrokenBarrierError").
  [[nodiscard]] std::string qualified_type_name() const {
    const std::string module = module_name();
    return module.empty() ? std::string(type_name()) : module + "." + type_name();
  }
};

/// Python's RuntimeError: misuse of a thread or primitive (start twice, join self...).
class RuntimeError : public PythonError {
 public:
  using PythonError::PythonError;
  [[nodiscard]] const char* type_name() const noexcept override { return "RuntimeError"; }
};

/// Python's ValueError: an argument out of range (negative semaphore value...).
class ValueError : public PythonError {
 public:
  using PythonError::PythonError;
  [[nodiscard]] const char* type_name() const noexcept override { return "ValueError"; }
};

/// Python's threading.BrokenBarrierError (a RuntimeError subclass in CPython).
class BrokenBarrierError : public RuntimeError {
 public:
  BrokenBarrierError() : RuntimeError("") {}
  [[nodiscard]] const char* type_name() const noexcept override { return "BrokenBarrierError"; }
  [[nodiscard]] const char* module_name() const noexcept override { return "threading"; }
};

/// Python's OverflowError: a timeout larger than TIMEOUT_MAX.
class OverflowError : public PythonError {
 public:
  using PythonError::PythonError;
  [[nodiscard]] const char* type_name() const noexcept override { return "OverflowError"; }
};

/// A Python exception of any class, named at run time: Exception("ValueError", "bad") makes
/// the default excepthook print "ValueError: bad", exactly as `raise ValueError("bad")` does
/// in Python. Lets an interpreter of Python-like programs raise arbitrary exception types.
/// An empty message prints the type name alone, as Python does for `raise ValueError()`.
class Exception : public PythonError {
 public:
  Exception(std::string type_name, const std::string& message)
      : PythonError(message), type_name_(std::move(type_name)) {}
  [[nodiscard]] const char* type_name() const noexcept override { return type_name_.c_str(); }

 private:
  std::string type_name_;
};

/// Python's SystemExit: escaping a thread's target, it ends the thread silently (the default
/// excepthook ignores it, as CPython's does). Any PythonError whose type_name() is
/// "SystemExit" is treated the same way.
class SystemExit : public PythonError {
 public:
  explicit SystemExit(const std::string& message = "") : PythonError(message) {}
  [[nodiscard]] const char* type_name() const noexcept override { return "SystemExit"; }
};

}  // namespace pythreading
