// The dispatch table: exactly one handler per step of the vocabulary
// (vocabulary_table.hpp, generated from specs/vocabulary.yaml), none for anything else, and
// every field kind of the vocabulary known to the request parser.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "interpreter.hpp"
#include "request.hpp"
#include "vocabulary_table.hpp"

namespace threadspec::executor {
namespace {

TEST(Dispatch, OneHandlerPerVocabularyStep) {
  std::map<std::string, int> handlers;
  for (const auto& entry : all_handlers()) ++handlers[std::string(entry.step)];
  for (const auto& step : vocabulary::kSteps) {
    EXPECT_EQ(handlers[std::string(step.name)], 1) << "step '" << step.name << "'";
    handlers.erase(std::string(step.name));
  }
  for (const auto& [name, count] : handlers)
    ADD_FAILURE() << "handler for unknown step '" << name << "'";
}

TEST(Dispatch, TableIsIndexedLikeTheVocabulary) {
  const auto table = dispatch_table();
  ASSERT_EQ(table.size(), vocabulary::kSteps.size());
  for (std::size_t i = 0; i < table.size(); ++i) {
    EXPECT_NE(table[i], nullptr) << vocabulary::kSteps[i].name;
    EXPECT_TRUE(implemented(vocabulary::kSteps[i].name));
  }
  EXPECT_FALSE(implemented("frobnicate"));
}

TEST(Dispatch, EveryFieldKindIsKnown) {
  for (const auto& step : vocabulary::kSteps) {
    EXPECT_TRUE(field_kind(step.key_kind).has_value()) << step.name << ": " << step.key_kind;
  }
  for (const auto& field : vocabulary::kFields) {
    EXPECT_TRUE(field_kind(field.kind).has_value()) << field.name << ": " << field.kind;
  }
}

TEST(Dispatch, ProtocolsCoverTheVocabulary) {
  int highest = 0;
  for (int p : kProtocols) highest = std::max(highest, p);
  EXPECT_EQ(highest, vocabulary::kMaxProtocol);
}

}  // namespace
}  // namespace threadspec::executor
