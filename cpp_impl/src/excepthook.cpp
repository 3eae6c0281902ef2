// threading.excepthook: the hook, its default report, and how a failing thread reaches it.
#include <cxxabi.h>

#include <cstdlib>
#include <typeinfo>

#include "internal/registry.hpp"
#include "internal/report.hpp"
#include "pythreading/output.hpp"
#include "pythreading/thread_annotations.hpp"

namespace pythreading {
namespace {

using detail::AnnotatedLock;
using detail::AnnotatedMutex;

AnnotatedMutex g_hook_mu;
ExceptHook* g_hook PYTHREADING_GUARDED_BY(g_hook_mu) = nullptr;  // leaked, never destroyed

std::string demangle(const char* mangled) {
  int status = 0;
  char* d = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string out = (status == 0 && d != nullptr) ? d : mangled;
  std::free(d);  // NOLINT(cppcoreguidelines-no-malloc)
  return out;
}

}  // namespace

namespace internal {

std::string exception_line(const ExceptHookArgs& args) {
  std::string s = args.exc_module.empty() ? args.exc_type : args.exc_module + "." + args.exc_type;
  if (!args.exc_value.empty()) {
    s += ": ";
    s += args.exc_value;
  }
  s += '\n';
  return s;
}

void invoke_excepthook(std::exception_ptr error, const Thread& thread) noexcept {
  try {
    ExceptHook hook = get_excepthook();
    try {
      hook(make_excepthook_args(std::move(error), thread));
    } catch (...) {
      // CPython 3.8-3.13: print "Exception in threading.excepthook:" on sys.stderr, or, while
      // that is None, on the thread's saved stderr, or on stdout (print(file=None)) when that
      // was None too; then sys.excepthook(the error) on sys.stderr, which drops it while None.
      ExceptHookArgs e2 = make_excepthook_args(std::current_exception(), std::nullopt);
      std::string header = "Exception in threading.excepthook:\n";
      if (OutputRef out = current_output()) {
        write_output_to(out, header + std::string(kNoTraceback) + exception_line(e2));
      } else if (const OutputRef& saved = ThreadAccess::state(thread).saved_output) {
        write_output_to(saved, header);
      } else {
        write_program_stdout(header);
      }
    }
  } catch (...) {  // out of memory while reporting: give up silently, never terminate
  }
}

}  // namespace internal

ExceptHookArgs make_excepthook_args(std::exception_ptr e, std::optional<Thread> thread) {
  ExceptHookArgs a;
  a.exception = e;
  a.thread = std::move(thread);
  try {
    if (e) std::rethrow_exception(e);
    a.exc_type = "UnknownException";
  } catch (const PythonError& ex) {
    a.exc_type = ex.type_name();
    a.exc_module = ex.module_name();
    a.exc_value = ex.what();
  } catch (const std::exception& ex) {
    a.exc_type = demangle(typeid(ex).name());
    a.exc_value = ex.what();
  } catch (...) {
    a.exc_type = "UnknownException";
  }
  return a;
}

std::string format_exception(const ExceptHookArgs& args) {
  if (args.exc_type == "SystemExit") return {};
  std::string text = "Exception in thread ";
  text += args.thread ? args.thread->name() : std::to_string(get_ident());
  text += ":\n";
  text += internal::kNoTraceback;
  text += internal::exception_line(args);
  return text;
}

void default_excepthook(const ExceptHookArgs& args) {
  std::string text = format_exception(args);
  if (text.empty()) return;
  OutputRef out = current_output();
  // As CPython's _thread._excepthook: while sys.stderr is None, the thread's saved stderr;
  // nothing when that was None too, or when there is no thread.
  if (!out && args.thread) out = ThreadAccess::state(*args.thread).saved_output;
  write_output_to(out, text);
}

void set_excepthook(ExceptHook hook) {
  auto* fresh = hook ? new ExceptHook(std::move(hook)) : nullptr;
  ExceptHook* old = nullptr;
  {
    AnnotatedLock lock(g_hook_mu);
    old = g_hook;
    g_hook = fresh;
  }
  delete old;
}

ExceptHook get_excepthook() {
  AnnotatedLock lock(g_hook_mu);
  if (g_hook != nullptr) return *g_hook;
  return default_excepthook;
}

}  // namespace pythreading
