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
// moves to (empty for a step that takes none), that value's kind, and its fields:
// kFields[first_field, first_field + field_count).
struct Step {
  std::string_view name;
  int protocol;
  std::string_view role;
  std::string_view key_kind;
  std::size_t first_field;
  std::size_t field_count;
};

inline constexpr int kMaxProtocol = 2;

inline constexpr std::array<Field, 62> kFields = {{
    Field{"target", "callable", false, 1},
    Field{"args", "values", false, 1},
    Field{"kwargs", "kwargs", false, 1},
    Field{"name", "template", false, 1},
    Field{"daemon", "bool", false, 1},
    Field{"run", "fn", false, 2},
    Field{"class", "class-name", false, 2},
    Field{"interval", "seconds", true, 1},
    Field{"target", "callable", true, 1},
    Field{"args", "values", false, 1},
    Field{"kwargs", "kwargs", false, 2},
    Field{"timeout", "seconds", false, 1},
    Field{"into", "new-var", false, 2},
    Field{"value", "bool", true, 1},
    Field{"value", "template", true, 1},
    Field{"args", "values", false, 2},
    Field{"kwargs", "kwargs", false, 2},
    Field{"label", "new-var", false, 2},
    Field{"into", "new-var", false, 2},
    Field{"value", "value", true, 1},
    Field{"class", "class-name", false, 2},
    Field{"fn", "fn", true, 2},
    Field{"args", "values", false, 2},
    Field{"file", "stream", false, 1},
    Field{"range", "int", false, 1},
    Field{"in", "expr", false, 1},
    Field{"body", "steps", true, 1},
    Field{"then", "steps", true, 2},
    Field{"else", "steps", false, 2},
    Field{"max", "int", true, 2},
    Field{"body", "steps", true, 2},
    Field{"except", "handlers", false, 2},
    Field{"else", "steps", false, 2},
    Field{"finally", "steps", false, 2},
    Field{"message", "template", false, 1},
    Field{"args", "values", false, 1},
    Field{"kwargs", "kwargs", false, 2},
    Field{"into", "new-var", false, 2},
    Field{"args", "values", false, 2},
    Field{"child", "steps", true, 2},
    Field{"into", "new-var", false, 2},
    Field{"value", "int", false, 1},
    Field{"value", "int", false, 1},
    Field{"lock", "var", false, 1},
    Field{"parties", "int", true, 1},
    Field{"action", "callable", false, 2},
    Field{"timeout", "seconds", false, 1},
    Field{"init", "fn", false, 2},
    Field{"args", "values", false, 2},
    Field{"kwargs", "kwargs", false, 2},
    Field{"class", "class-name", false, 2},
    Field{"blocking", "bool", false, 1},
    Field{"timeout", "seconds", false, 1},
    Field{"into", "new-var", false, 1},
    Field{"n", "int", false, 2},
    Field{"body", "steps", true, 1},
    Field{"timeout", "seconds", false, 1},
    Field{"into", "new-var", false, 1},
    Field{"predicate", "expr", true, 2},
    Field{"timeout", "seconds", false, 2},
    Field{"into", "new-var", false, 2},
    Field{"n", "int", false, 1},
}};

inline constexpr std::array<Step, 54> kSteps = {{
    Step{"thread", 1, "var", "new-var", 0, 7},
    Step{"timer", 1, "var", "new-var", 7, 4},
    Step{"start", 1, "var", "var", 11, 0},
    Step{"join", 1, "var", "var", 11, 2},
    Step{"cancel", 1, "var", "var", 13, 0},
    Step{"set_daemon", 1, "var", "var", 13, 1},
    Step{"set_name", 1, "var", "var", 14, 1},
    Step{"start_new_thread", 2, "fn", "fn", 15, 4},
    Step{"assign", 1, "target", "assign-target", 19, 1},
    Step{"eval", 2, "expr", "expr", 20, 0},
    Step{"del", 2, "var", "var", 20, 0},
    Step{"object", 2, "var", "new-var", 20, 1},
    Step{"finalize", 2, "var", "var", 21, 2},
    Step{"collect", 2, "", "none", 23, 0},
    Step{"print", 1, "text", "template", 23, 1},
    Step{"debug", 1, "text", "template", 24, 0},
    Step{"info", 1, "text", "template", 24, 0},
    Step{"warning", 1, "text", "template", 24, 0},
    Step{"error", 1, "text", "template", 24, 0},
    Step{"critical", 1, "text", "template", 24, 0},
    Step{"sleep", 1, "seconds", "seconds", 24, 0},
    Step{"for", 1, "var", "new-var", 24, 3},
    Step{"forever", 1, "body", "steps", 27, 0},
    Step{"if", 2, "cond", "expr", 27, 2},
    Step{"while", 2, "cond", "expr", 29, 2},
    Step{"try", 2, "body", "steps", 31, 3},
    Step{"raise", 1, "type", "exception-type", 34, 1},
    Step{"reraise", 2, "", "none", 35, 0},
    Step{"call", 1, "fn", "fn", 35, 3},
    Step{"return", 2, "value", "value", 38, 0},
    Step{"exit", 1, "code", "int", 38, 0},
    Step{"excepthook", 1, "fn", "fn-or-default", 38, 0},
    Step{"atexit", 2, "fn", "fn", 38, 1},
    Step{"fork", 2, "var", "new-var", 39, 1},
    Step{"waitpid", 2, "var", "var", 40, 1},
    Step{"lock", 1, "var", "new-var", 41, 0},
    Step{"rlock", 1, "var", "new-var", 41, 0},
    Step{"event", 1, "var", "new-var", 41, 0},
    Step{"semaphore", 1, "var", "new-var", 41, 1},
    Step{"bounded_semaphore", 1, "var", "new-var", 42, 1},
    Step{"condition", 1, "var", "new-var", 43, 1},
    Step{"barrier", 1, "var", "new-var", 44, 3},
    Step{"local", 1, "var", "new-var", 47, 4},
    Step{"acquire", 1, "var", "var", 51, 3},
    Step{"release", 1, "var", "var", 54, 1},
    Step{"with", 1, "var", "var", 55, 1},
    Step{"set", 1, "var", "var", 56, 0},
    Step{"clear", 1, "var", "var", 56, 0},
    Step{"wait", 1, "var", "var", 56, 2},
    Step{"wait_for", 2, "var", "var", 58, 3},
    Step{"notify", 1, "var", "var", 61, 1},
    Step{"notify_all", 1, "var", "var", 62, 0},
    Step{"abort", 2, "var", "var", 62, 0},
    Step{"reset", 2, "var", "var", 62, 0},
}};

inline constexpr std::array<std::string_view, 18> kExceptions = {{
    "Exception",
    "RuntimeError",
    "ValueError",
    "TypeError",
    "KeyError",
    "ZeroDivisionError",
    "BaseException",
    "AssertionError",
    "AttributeError",
    "IndexError",
    "NameError",
    "OverflowError",
    "RecursionError",
    "SystemExit",
    "KeyboardInterrupt",
    "OSError",
    "BrokenBarrierError",
    "ThreadError",
}};

}  // namespace threadspec::vocabulary
