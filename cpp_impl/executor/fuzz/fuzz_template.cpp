// libFuzzer target: template parsing and rendering on arbitrary text, with a few variables
// of every value type. Parsing must return or throw ParseError; rendering must return or
// raise a Python exception (pythreading::PythonError), never crash or hang.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "template.hpp"

namespace {

namespace ex = threadspec::executor;

class FuzzEnvironment : public ex::Environment {
 public:
  FuzzEnvironment() {
    vars_["i"] = ex::Value(3LL);
    vars_["big"] = ex::Value(9223372036854775807LL);
    vars_["f"] = ex::Value(0.5);
    vars_["s"] = ex::Value("text");
    vars_["b"] = ex::Value(true);
    vars_["n"] = ex::Value();
    vars_["l"] = ex::Value(std::make_shared<ex::List>(ex::List{ex::Value(1LL), ex::Value("a")}));
  }
  ex::Value name(const std::string& n) override {
    auto it = vars_.find(n);
    if (it == vars_.end()) ex::raise("NameError", "name '" + n + "' is not defined");
    return it->second;
  }
  ex::Value call(const std::string& n, const ex::List& args) override {
    ex::Value out;
    if (ex::call_builtin(n, args, out)) return out;
    ex::raise("NameError", "name '" + n + "' is not defined");
  }

 private:
  std::map<std::string, ex::Value> vars_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ex::Template t;
  try {
    t = ex::parse_template(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const ex::ParseError&) {
    return 0;
  }
  FuzzEnvironment env;
  try {
    (void)ex::render_text(t, env);
  } catch (const pythreading::PythonError&) {
  }
  return 0;
}
