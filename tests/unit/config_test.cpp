// Config loading: every kind of bad input is rejected with a message naming the key, the bad
// value and what is allowed; good input and the YAML round trip give exact values.
#include <gtest/gtest.h>

#include <fstream>

#include "cli/cli.h"
#include "config/config_fields.h"
#include "config/config_loader.h"
#include "test_support.h"

namespace srm {
namespace {

std::string error_of(const std::string& yaml) {
  Config c;
  try {
    apply_yaml(c, yaml, "test.yaml");
    validate(c);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::string override_error(const std::string& assignment) {
  Config c;
  try {
    apply_override(c, assignment);
    validate(c);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, YamlValuesAreApplied) {
  Config c;
  apply_yaml(c, "sampler:\n  steps: 7\n  noise: 0.5\ntrain:\n  lr: 2e-4\noutput:\n  overwrite: yes\n", "t");
  validate(c);
  EXPECT_EQ(c.sampler.steps, 7);
  EXPECT_DOUBLE_EQ(c.sampler.noise, 0.5);
  EXPECT_DOUBLE_EQ(c.train.lr, 2e-4);
  EXPECT_TRUE(c.output.overwrite);
  EXPECT_EQ(c.data.dataset, "rings");  // untouched keys keep their defaults
}

TEST(Config, UnknownKeyNamesKeyAndListsSectionKeys) {
  const auto msg = error_of("sampler:\n  stepz: 3\n");
  EXPECT_NE(msg.find("test.yaml: unknown key \"sampler.stepz\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("steps, step_size, noise, init"), std::string::npos) << msg;
}

TEST(Config, UnknownSectionIsRejected) {
  const auto msg = error_of("smapler:\n  steps: 3\n");
  EXPECT_NE(msg.find("unknown section \"smapler\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("data, model, sampler, train, output, dist"), std::string::npos) << msg;
}

TEST(Config, WrongTypeNamesKeyValueAndAllowed) {
  EXPECT_EQ(error_of("sampler:\n  steps: many\n"),
            "test.yaml: sampler.steps = \"many\" is not allowed: expected an integer in [0, 100000]");
  EXPECT_EQ(error_of("sampler:\n  steps: 2.5\n"),
            "test.yaml: sampler.steps = \"2.5\" is not allowed: expected an integer in [0, 100000]");
  EXPECT_EQ(error_of("output:\n  overwrite: maybe\n"),
            "test.yaml: output.overwrite = \"maybe\" is not allowed: expected true or false");
}

TEST(Config, OutOfRangeNamesKeyValueAndRange) {
  EXPECT_EQ(error_of("train:\n  batch_size: 0\n"),
            "test.yaml: train.batch_size = \"0\" is not allowed: expected an integer in [1, 10000000]");
  EXPECT_EQ(error_of("train:\n  lr: -1\n"),
            "test.yaml: train.lr = \"-1\" is not allowed: expected a number in [0, 10]");
}

TEST(Config, BadChoiceListsChoices) {
  EXPECT_EQ(error_of("data:\n  dataset: mnist\n"),
            "test.yaml: data.dataset = \"mnist\" is not allowed: expected one of: rings, gmm, "
            "fashion_mnist, cifar10, hdf5");
}

TEST(Config, ListWhereScalarExpected) {
  const auto msg = error_of("sampler:\n  steps: [1, 2]\n");
  EXPECT_NE(msg.find("sampler.steps must be a single value, got a list"), std::string::npos) << msg;
}

TEST(Config, InvalidYamlIsReported) {
  const auto msg = error_of("sampler: [\n");
  EXPECT_NE(msg.find("test.yaml: invalid YAML"), std::string::npos) << msg;
}

TEST(Config, CrossKeyRules) {
  EXPECT_EQ(error_of("data:\n  image_size: 48\n"),
            "config: data.image_size = 48 is not allowed: expected a power of two in [8, 256]");
  EXPECT_EQ(error_of("data:\n  dataset: cifar10\n"),
            "config: data.path is empty: data.dataset = \"cifar10\" needs the path of its data");
  const auto msg = error_of("data:\n  dataset: rings\nmodel:\n  type: convnet\n");
  EXPECT_NE(msg.find("model.type = \"convnet\" is not allowed with data.dataset = \"rings\""), std::string::npos);
}

TEST(Config, OverridesUseTheSameValidation) {
  Config c;
  apply_override(c, "sampler.steps=12");
  EXPECT_EQ(c.sampler.steps, 12);
  EXPECT_EQ(override_error("sampler.steps=-1"),
            "--set: sampler.steps = \"-1\" is not allowed: expected an integer in [0, 100000]");
  EXPECT_NE(override_error("sampler.nope=1").find("--set: unknown key \"sampler.nope\""), std::string::npos);
  EXPECT_EQ(override_error("steps"), "--set \"steps\": expected section.key=value");
  // An infinite p0 scale would reach LibTorch as an opaque error: refused here, naming the range.
  EXPECT_NE(override_error("sampler.init_scale=inf").find("sampler.init_scale = \"inf\" is not allowed"),
            std::string::npos) << override_error("sampler.init_scale=inf");
}

TEST(Config, YamlRoundTripIsExact) {
  Config a;
  apply_override(a, "train.lr=0.000123456789");
  apply_override(a, "data.path=/tmp/a,b.h5");
  apply_override(a, "sampler.steps=17");
  const std::string yaml = to_yaml(a);
  Config b;
  apply_yaml(b, yaml, "roundtrip");
  EXPECT_EQ(to_yaml(b), yaml);
  EXPECT_EQ(b.train.lr, 0.000123456789);
  EXPECT_EQ(b.data.path, "/tmp/a,b.h5");
  EXPECT_EQ(b.sampler.steps, 17);
}

TEST(Config, LoadConfigFromFileThenOverrides) {
  test::TempDir dir;
  std::ofstream(dir.file("c.yaml")) << "sampler:\n  steps: 9\n";
  const Config c = load_config(dir.file("c.yaml"), {"sampler.steps=11"});
  EXPECT_EQ(c.sampler.steps, 11);
  EXPECT_THROW(load_config(dir.file("missing.yaml"), {}), ConfigError);
}

TEST(Config, ShippedConfigsAreValid) {
  for (const char* name : {"rings", "fashion_mnist", "fashion_mnist_quick", "cifar10", "celeba64", "celeba128"}) {
    const std::string path = std::string(SRM_TEST_SOURCE_DIR) + "/configs/" + name + ".yaml";
    EXPECT_NO_THROW(load_config(path, {})) << path;
  }
}

TEST(Cli, ParsesCommandConfigAndRepeatedSet) {
  const char* argv[] = {"srm-dist", "train", "--config", "x.yaml", "--set", "a.b=1,2", "--set", "c.d=3"};
  const CliArgs args = parse_cli(8, argv);
  EXPECT_EQ(args.command, "train");
  EXPECT_EQ(args.config_path, "x.yaml");
  ASSERT_EQ(args.overrides.size(), 2u);
  EXPECT_EQ(args.overrides[0], "a.b=1,2");  // commas are not list separators
  EXPECT_EQ(args.overrides[1], "c.d=3");
}

TEST(Cli, UnknownCommandIsAnError) {
  const char* argv[] = {"srm-dist", "trian"};
  try {
    parse_cli(2, argv);
    FAIL() << "expected CliError";
  } catch (const CliError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown command \"trian\""), std::string::npos);
  }
}

TEST(Cli, HelpListsEveryKeyWithItsDefault) {
  const std::string help = help_text();
  Config defaults;
  for (const auto& field : config_fields(defaults)) {
    EXPECT_NE(help.find(field.key), std::string::npos) << field.key;
    EXPECT_NE(help.find("default " + field.value_text()), std::string::npos) << field.key;
  }
}

}  // namespace
}  // namespace srm
