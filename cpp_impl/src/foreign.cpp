// Threads pythreading did not start (foreign.hpp).
#include "pythreading/foreign.hpp"

#include "internal/registry.hpp"

namespace pythreading {

std::optional<Thread> current_thread_if_known() {
  const Thread* h = internal::tls_handle;
  if (h == nullptr) return std::nullopt;
  return *h;
}

}  // namespace pythreading
