// libFuzzer target: request parsing and validation (parse_request) on arbitrary bytes.
// It must return or throw BadRequest, never crash, hang or leak, and never run anything.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "interpreter.hpp"
#include "request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace ex = threadspec::executor;
  try {
    (void)ex::parse_request(std::string_view(reinterpret_cast<const char*>(data), size),
                            ex::implemented);
  } catch (const ex::BadRequest&) {
  }
  return 0;
}
