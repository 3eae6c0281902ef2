// internal/output_lock.hpp: the output's lock (output.cpp) as the fork handlers hold it.
#pragma once

namespace pythreading::internal {

/// Locks the output's mutex (what current_output and set_output_sink take), so that fork()'s
/// child never inherits it locked by a thread that does not exist there. Called by the
/// prepare handler after the registry's mutex (the order every path takes them in).
void lock_output_for_fork();

/// Unlocks it, in the parent and in the child after fork().
void unlock_output_after_fork();

}  // namespace pythreading::internal
