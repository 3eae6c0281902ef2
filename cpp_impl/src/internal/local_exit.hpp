// internal/local_exit.hpp: the hook by which a finishing pythreading thread destroys its
// local<T> values before it counts as finished.
#pragma once

namespace pythreading::internal {

/// Destroys the calling thread's local<T> values (value destructors may create new ones;
/// those are destroyed too, within a few rounds).
void local_thread_exit() noexcept;

}  // namespace pythreading::internal
