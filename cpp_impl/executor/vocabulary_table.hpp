// Generated from specs/vocabulary.yaml by `tools/threadspec vocabulary --cpp-header`.
// Do not edit: change the vocabulary and regenerate (a test checks this file is current).
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace threadspec::vocabulary {

// One field of a step: its key, its kind (specs/README.md 4.8), whether the step needs it,
// and the protocol that introduced it.
struct Field {
  std::string_view name;
  std::string_view kind;
  bool required;
  int protocol;
};

// One step: its name, the protocol that introduced it, the canonical field its own value
// moves to (empty for a step that takes none), that value's kind, and its canonical
// fields, the role's first: kFields[first_field, first_field + field_count).
struct Step {
  std::string_view name;
  int protocol;
  std::string_view role;
  std::string_view key_kind;
  std::size_t first_field;
  std::size_t field_count;
};

// An exception type a scenario can raise or catch, the nearest listed class it derives
// from (empty for BaseException), and the protocol that introduced its name.
struct Exception {
  std::string_view name;
  std::string_view base;
  int protocol;
};

inline constexpr int kMaxProtocol = 3;

inline constexpr std::array<Field, 124> kFields = {{
    Field{"var", "new-var", true, 1},
    Field{"target", "callable", false, 1},
    Field{"args", "values", false, 1},
    Field{"kwargs", "kwargs", false, 1},
    Field{"name", "template", false, 1},
    Field{"daemon", "bool", false, 1},
    Field{"run", "fn", false, 2},
    Field{"class", "class-name", false, 2},
    Field{"var", "new-var", true, 1},
    Field{"interval", "seconds", true, 1},
    Field{"target", "callable", true, 1},
    Field{"args", "values", false, 1},
    Field{"kwargs", "kwargs", false, 2},
    Field{"var", "var", true, 1},
    Field{"var", "var", true, 1},
    Field{"timeout", "seconds", false, 1},
    Field{"into", "new-var", false, 2},
    Field{"var", "var", true, 1},
    Field{"var", "var", true, 1},
    Field{"value", "bool", true, 1},
    Field{"var", "var", true, 1},
    Field{"value", "template", true, 1},
    Field{"fn", "fn", true, 2},
    Field{"args", "values", false, 2},
    Field{"kwargs", "kwargs", false, 2},
    Field{"label", "new-var", false, 2},
    Field{"into", "new-var", false, 2},
    Field{"target", "assign-target", true, 1},
    Field{"value", "value", true, 1},
    Field{"expr", "expr", true, 2},
    Field{"var", "var", true, 2},
    Field{"var", "new-var", true, 2},
    Field{"class", "class-name", false, 2},
    Field{"call", "fn", false, 3},
    Field{"bool", "fn", false, 3},
    Field{"var", "var", true, 2},
    Field{"fn", "fn", true, 2},
    Field{"args", "values", false, 2},
    Field{"var", "new-var", true, 3},
    Field{"base", "expr", true, 3},
    Field{"text", "template", true, 1},
    Field{"file", "stream", false, 1},
    Field{"text", "template", true, 1},
    Field{"text", "template", true, 1},
    Field{"text", "template", true, 1},
    Field{"text", "template", true, 1},
    Field{"text", "template", true, 1},
    Field{"value", "none-or-default", true, 3},
    Field{"seconds", "seconds", true, 1},
    Field{"var", "new-var", true, 1},
    Field{"range", "int", false, 1},
    Field{"in", "expr", false, 1},
    Field{"body", "steps", true, 1},
    Field{"body", "steps", true, 1},
    Field{"cond", "expr", true, 2},
    Field{"then", "steps", true, 2},
    Field{"else", "steps", false, 2},
    Field{"cond", "expr", true, 2},
    Field{"max", "int", true, 2},
    Field{"body", "steps", true, 2},
    Field{"body", "steps", true, 2},
    Field{"except", "handlers", false, 2},
    Field{"else", "steps", false, 2},
    Field{"finally", "steps", false, 2},
    Field{"type", "exception-type", true, 1},
    Field{"message", "template", false, 1},
    Field{"fn", "fn", true, 1},
    Field{"args", "values", false, 1},
    Field{"kwargs", "kwargs", false, 2},
    Field{"into", "new-var", false, 2},
    Field{"value", "value", true, 2},
    Field{"code", "int", true, 1},
    Field{"fn", "fn-or-default", true, 1},
    Field{"var", "var", true, 3},
    Field{"thread", "value", true, 3},
    Field{"fn", "fn", true, 2},
    Field{"args", "values", false, 2},
    Field{"var", "new-var", true, 2},
    Field{"child", "steps", false, 2},
    Field{"var", "var", true, 2},
    Field{"into", "new-var", false, 2},
    Field{"var", "new-var", true, 1},
    Field{"args", "values", false, 2},
    Field{"var", "new-var", true, 1},
    Field{"args", "values", false, 2},
    Field{"kwargs", "kwargs", false, 3},
    Field{"var", "new-var", true, 1},
    Field{"var", "new-var", true, 1},
    Field{"value", "int", false, 1},
    Field{"var", "new-var", true, 1},
    Field{"value", "int", false, 1},
    Field{"var", "new-var", true, 1},
    Field{"lock", "var", false, 1},
    Field{"var", "new-var", true, 1},
    Field{"parties", "int", true, 1},
    Field{"action", "callable", false, 2},
    Field{"timeout", "seconds", false, 1},
    Field{"var", "new-var", true, 1},
    Field{"init", "fn", false, 2},
    Field{"args", "values", false, 2},
    Field{"kwargs", "kwargs", false, 2},
    Field{"class", "class-name", false, 2},
    Field{"var", "var", true, 1},
    Field{"blocking", "bool", false, 1},
    Field{"timeout", "seconds", false, 1},
    Field{"into", "new-var", false, 1},
    Field{"var", "var", true, 1},
    Field{"n", "int", false, 2},
    Field{"var", "var", true, 1},
    Field{"body", "steps", true, 1},
    Field{"var", "var", true, 1},
    Field{"var", "var", true, 1},
    Field{"var", "var", true, 1},
    Field{"timeout", "seconds", false, 1},
    Field{"into", "new-var", false, 1},
    Field{"var", "var", true, 2},
    Field{"predicate", "expr", true, 2},
    Field{"timeout", "seconds", false, 2},
    Field{"into", "new-var", false, 2},
    Field{"var", "var", true, 1},
    Field{"n", "int", false, 1},
    Field{"var", "var", true, 1},
    Field{"var", "var", true, 2},
    Field{"var", "var", true, 2},
}};

inline constexpr std::array<Step, 57> kSteps = {{
    Step{"thread", 1, "var", "new-var", 0, 8},
    Step{"timer", 1, "var", "new-var", 8, 5},
    Step{"start", 1, "var", "var", 13, 1},
    Step{"join", 1, "var", "var", 14, 3},
    Step{"cancel", 1, "var", "var", 17, 1},
    Step{"set_daemon", 1, "var", "var", 18, 2},
    Step{"set_name", 1, "var", "var", 20, 2},
    Step{"start_new_thread", 2, "fn", "fn", 22, 5},
    Step{"assign", 1, "target", "assign-target", 27, 2},
    Step{"eval", 2, "expr", "expr", 29, 1},
    Step{"del", 2, "var", "var", 30, 1},
    Step{"object", 2, "var", "new-var", 31, 4},
    Step{"finalize", 2, "var", "var", 35, 3},
    Step{"collect", 2, "", "none", 38, 0},
    Step{"subclass", 3, "var", "new-var", 38, 2},
    Step{"print", 1, "text", "template", 40, 2},
    Step{"debug", 1, "text", "template", 42, 1},
    Step{"info", 1, "text", "template", 43, 1},
    Step{"warning", 1, "text", "template", 44, 1},
    Step{"error", 1, "text", "template", 45, 1},
    Step{"critical", 1, "text", "template", 46, 1},
    Step{"set_stderr", 3, "value", "none-or-default", 47, 1},
    Step{"sleep", 1, "seconds", "seconds", 48, 1},
    Step{"for", 1, "var", "new-var", 49, 4},
    Step{"forever", 1, "body", "steps", 53, 1},
    Step{"if", 2, "cond", "expr", 54, 3},
    Step{"while", 2, "cond", "expr", 57, 3},
    Step{"try", 2, "body", "steps", 60, 4},
    Step{"raise", 1, "type", "exception-type", 64, 2},
    Step{"reraise", 2, "", "none", 66, 0},
    Step{"call", 1, "fn", "fn", 66, 4},
    Step{"return", 2, "value", "value", 70, 1},
    Step{"exit", 1, "code", "int", 71, 1},
    Step{"excepthook", 1, "fn", "fn-or-default", 72, 1},
    Step{"call_excepthook", 3, "var", "var", 73, 2},
    Step{"atexit", 2, "fn", "fn", 75, 2},
    Step{"fork", 2, "var", "new-var", 77, 2},
    Step{"waitpid", 2, "var", "var", 79, 2},
    Step{"lock", 1, "var", "new-var", 81, 2},
    Step{"rlock", 1, "var", "new-var", 83, 3},
    Step{"event", 1, "var", "new-var", 86, 1},
    Step{"semaphore", 1, "var", "new-var", 87, 2},
    Step{"bounded_semaphore", 1, "var", "new-var", 89, 2},
    Step{"condition", 1, "var", "new-var", 91, 2},
    Step{"barrier", 1, "var", "new-var", 93, 4},
    Step{"local", 1, "var", "new-var", 97, 5},
    Step{"acquire", 1, "var", "var", 102, 4},
    Step{"release", 1, "var", "var", 106, 2},
    Step{"with", 1, "var", "var", 108, 2},
    Step{"set", 1, "var", "var", 110, 1},
    Step{"clear", 1, "var", "var", 111, 1},
    Step{"wait", 1, "var", "var", 112, 3},
    Step{"wait_for", 2, "var", "var", 115, 4},
    Step{"notify", 1, "var", "var", 119, 2},
    Step{"notify_all", 1, "var", "var", 121, 1},
    Step{"abort", 2, "var", "var", 122, 1},
    Step{"reset", 2, "var", "var", 123, 1},
}};

inline constexpr std::array<Exception, 18> kExceptions = {{
    Exception{"Exception", "BaseException", 1},
    Exception{"RuntimeError", "Exception", 1},
    Exception{"ValueError", "Exception", 1},
    Exception{"TypeError", "Exception", 1},
    Exception{"KeyError", "Exception", 1},
    Exception{"ZeroDivisionError", "Exception", 1},
    Exception{"BaseException", "", 2},
    Exception{"AssertionError", "Exception", 2},
    Exception{"AttributeError", "Exception", 2},
    Exception{"IndexError", "Exception", 2},
    Exception{"NameError", "Exception", 2},
    Exception{"OverflowError", "Exception", 2},
    Exception{"RecursionError", "RuntimeError", 2},
    Exception{"SystemExit", "BaseException", 2},
    Exception{"KeyboardInterrupt", "BaseException", 2},
    Exception{"OSError", "Exception", 2},
    Exception{"BrokenBarrierError", "RuntimeError", 2},
    Exception{"ThreadError", "RuntimeError", 2},
}};

}  // namespace threadspec::vocabulary
