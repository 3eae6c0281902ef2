// pythreading/foreign.hpp: threads pythreading did not start (a std::thread, a pthread),
// seen without changing what they are.
//
// current_thread() in such a thread registers it as a daemon "Dummy-N" thread, as CPython's
// threading.current_thread() does in a thread started by _thread.start_new_thread. A tracer
// or logger that only wants to know the thread object, if any, must not do that: CPython's
// own machinery (e.g. the trace of an executor) does not create dummy threads.
#pragma once

#include <optional>

#include "pythreading/thread.hpp"

namespace pythreading {

/// The calling thread's Thread object when it already has one: a thread started by
/// pythreading (while it runs), the main thread, or a foreign thread that has called
/// current_thread(). std::nullopt for a foreign thread that has not; never registers a
/// dummy thread. Thread-safe, lock-free.
[[nodiscard]] std::optional<Thread> current_thread_if_known();

}  // namespace pythreading
