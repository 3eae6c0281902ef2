// Threads pythreading did not start (foreign.hpp).
#include "pythreading/foreign.hpp"


namespace pythreading {

std::optional<Thread> current_thread_if_known() {
  const Thread* h = detail::current_handle;
  if (h == nullptr) return std::nullopt;
  return *h;
}

}  // namespace pythreading
