// The resume matrix: every key of the config table, changed on resume, either continues the run
// (bit-identically for the keys whose rule says the result is the same) or is refused at
// start-up naming the key. The keys come from the table itself, so a new key cannot skip it.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

#include "checkpoint/resume_selection.h"
#include "config/config_fields.h"
#include "config/config_loader.h"
#include "config/resume_compatibility.h"
#include "test_support.h"
#include "unit/resume_harness.h"

namespace srm {
namespace {

// Another value the key accepts, runnable on this CPU where the rule lets the run go on.
std::string another_value(const ConfigField& field) {
  static const std::map<std::string, std::string> runnable = {
      {"train.iterations", "16"},      {"train.device", "cpu"},     {"train.threads", "1"},
      {"dist.backend", "single"},      {"output.resume", "auto"},   {"data.path", "/elsewhere"},
      {"output.dir", "/elsewhere"},    {"data.dataset", "gmm"}};
  if (const auto it = runnable.find(field.key); it != runnable.end()) return it->second;
  const std::string now = field.value_text();
  if (std::holds_alternative<bool*>(field.ref)) return now == "true" ? "false" : "true";
  if (std::holds_alternative<std::string*>(field.ref)) {
    const std::string& now = *std::get<std::string*>(field.ref);  // value_text() is quoted
    for (const auto& choice : field.choices)
      if (choice != now) return choice;
    return now + "-other";
  }
  const double value = std::holds_alternative<int64_t*>(field.ref) ? static_cast<double>(*std::get<int64_t*>(field.ref))
                                                                   : *std::get<double*>(field.ref);
  const bool integer = std::holds_alternative<int64_t*>(field.ref);
  for (const double candidate : {value + 1, value - 1, value * 0.5, value * 2, (field.min + field.max) / 2})
    if (candidate >= field.min && candidate <= field.max && candidate != value &&
        (!integer || candidate == static_cast<double>(static_cast<int64_t>(candidate))))
      return integer ? std::to_string(static_cast<int64_t>(candidate)) : fmt::format("{}", candidate);
  ADD_FAILURE() << "no other value for " << field.key;
  return now;
}

TEST(ResumeMatrix, EveryKeyIsRefusedAtStartUpOrFree) {
  test::TempDir dir;
  const Config base = test::small_config(dir.file("run"));
  test::train(base, 0);  // checkpoints at 4, 8, 12
  Config probe = base;
  int refused = 0, free = 0;
  for (const auto& field : config_fields(probe)) {
    Config changed = base;
    const std::string value = another_value(field);
    apply_override(changed, field.key + "=" + value);
    changed.output.resume = "require";
    if (field.key == "output.dir" || field.key == "output.resume") changed.output.dir = base.output.dir;
    const std::vector<std::string> conflicts = resume_conflicts(base, changed);
    if (resume_rule(field.key) != ResumeRule::Refused) {
      EXPECT_TRUE(conflicts.empty()) << field.key << " is free but conflicts: " << conflicts.front();
      ++free;
      continue;
    }
    ++refused;
    ASSERT_EQ(conflicts.size(), 1u) << field.key << "=" << value;
    EXPECT_EQ(conflicts[0].rfind(field.key + ": checkpoint ", 0), 0u) << conflicts[0];
    // The real start-up path: rank 0's checkpoint selection refuses every checkpoint, naming the key.
    const Toy2d data(ToyKind::Rings, 200, 0.02, 3);
    auto energy = make_energy_net(base.model, data.example_shape());
    std::vector<std::string> rejections;
    try {
      select_resume_checkpoint(changed, 1, *energy, rejections);
      ADD_FAILURE() << field.key << "=" << value << " was accepted on resume";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("no usable checkpoint"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(field.key + ": checkpoint "), std::string::npos) << e.what();
    }
  }
  EXPECT_GT(refused, 30);
  EXPECT_EQ(free, static_cast<int>(keys_free_on_resume().size()));
  EXPECT_EQ(resume_rule("output.samples_kept"), ResumeRule::Refused);  // the archive's row shape
}

// The keys whose rule promises the same result: stop at 7, resume with the key changed, and the
// end is torch::equal to the uninterrupted run. The other free keys must at least run on.
TEST(ResumeMatrix, FreeKeysContinueAndSameResultKeysAreBitIdentical) {
  test::TempDir dir;
  const test::RunResult whole = test::train(test::small_config(dir.file("whole")), 0);
  Config probe = test::small_config("");
  int index = 0;
  for (const auto& field : config_fields(probe)) {
    const ResumeRule rule = resume_rule(field.key);
    if (rule == ResumeRule::Refused || field.key == "output.dir") continue;
    const std::string run = dir.file("run" + std::to_string(index++));
    Config config = test::small_config(run);
    test::train(config, 7);
    apply_override(config, field.key + "=" + another_value(field));
    config.output.dir = run;
    config.output.resume = "require";
    const test::RunResult resumed = test::train(config, 0);
    EXPECT_EQ(resumed.summary.first_iteration, 7) << field.key;
    EXPECT_EQ(resumed.summary.last.iteration, config.train.iterations) << field.key;
    if (rule != ResumeRule::SameResult) continue;
    for (size_t i = 0; i < whole.summary.final_parameters.size(); ++i)
      EXPECT_TRUE(torch::equal(whole.summary.final_parameters[i].second, resumed.summary.final_parameters[i].second))
          << field.key << ": " << whole.summary.final_parameters[i].first;
  }
}

}  // namespace
}  // namespace srm
