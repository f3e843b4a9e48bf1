// YAML and --set loading of the config tree, with validation that names the key, the value
// and what is allowed (see config_loader.h).
#include "config/config_loader.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/config_fields.h"

namespace srm {
namespace {

ConfigField* find_field(std::vector<ConfigField>& fields, const std::string& key) {
  for (auto& f : fields)
    if (f.key == key) return &f;
  return nullptr;
}

[[noreturn]] void unknown_key(std::vector<ConfigField>& fields, const std::string& key,
                              const std::string& origin) {
  const auto dot = key.find('.');
  const std::string section = key.substr(0, dot);
  std::vector<std::string> known;
  for (auto& f : fields)
    if (f.section() == section) known.push_back(f.key.substr(section.size() + 1));
  if (known.empty() || dot == std::string::npos) {
    throw ConfigError(fmt::format("{}: unknown key \"{}\" (sections: {})", origin, key,
                                  fmt::join(config_sections(), ", ")));
  }
  throw ConfigError(fmt::format("{}: unknown key \"{}\" (keys of \"{}\": {})", origin, key,
                                section, fmt::join(known, ", ")));
}

[[noreturn]] void bad_value(const ConfigField& field, const std::string& value,
                            const std::string& origin) {
  throw ConfigError(fmt::format("{}: {} = \"{}\" is not allowed: expected {}", origin, field.key,
                                value, field.allowed()));
}

bool parse_bool(const std::string& s, bool& out) {
  std::string v = s;
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  if (v == "true" || v == "yes" || v == "on" || v == "1") return out = true, true;
  if (v == "false" || v == "no" || v == "off" || v == "0") return out = false, true;
  return false;
}

bool parse_int(const std::string& s, int64_t& out) {
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, out);
  if (ec == std::errc() && ptr == end) return true;
  // Accept integral scientific notation such as 1e5.
  double d = 0;
  char* stop = nullptr;
  errno = 0;
  d = std::strtod(s.c_str(), &stop);
  if (s.empty() || *stop != '\0' || errno != 0 || d != std::floor(d) || std::abs(d) > 9.2e18)
    return false;
  out = static_cast<int64_t>(d);
  return true;
}

bool parse_double(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* stop = nullptr;
  errno = 0;
  out = std::strtod(s.c_str(), &stop);
  return *stop == '\0' && errno == 0 && !std::isnan(out);
}

// Parses `text` into the field's type and range-checks it; throws naming key and value.
void assign(const ConfigField& field, const std::string& text, const std::string& origin) {
  struct Visitor {
    const ConfigField& field;
    const std::string& text;
    const std::string& origin;
    void operator()(int64_t* target) const {
      int64_t v = 0;
      if (!parse_int(text, v) || v < field.min || v > field.max) bad_value(field, text, origin);
      *target = v;
    }
    void operator()(double* target) const {
      double v = 0;
      if (!parse_double(text, v) || v < field.min || v > field.max) bad_value(field, text, origin);
      *target = v;
    }
    void operator()(bool* target) const {
      if (!parse_bool(text, *target)) bad_value(field, text, origin);
    }
    void operator()(std::string* target) const {
      if (!field.choices.empty() &&
          std::find(field.choices.begin(), field.choices.end(), text) == field.choices.end())
        bad_value(field, text, origin);
      *target = text;
    }
  };
  std::visit(Visitor{field, text, origin}, field.ref);
}

void apply_node(std::vector<ConfigField>& fields, const YAML::Node& node, const std::string& prefix,
                const std::string& origin) {
  for (const auto& item : node) {
    const std::string name = item.first.as<std::string>();
    const std::string key = prefix.empty() ? name : prefix + "." + name;
    const YAML::Node& value = item.second;
    if (prefix.empty()) {
      const auto sections = config_sections();
      if (std::find(sections.begin(), sections.end(), name) == sections.end())
        throw ConfigError(fmt::format("{}: unknown section \"{}\" (sections: {})", origin, name,
                                      fmt::join(sections, ", ")));
      if (value.IsNull()) continue;
      if (!value.IsMap())
        throw ConfigError(fmt::format("{}: section \"{}\" must be a mapping of keys", origin, name));
      apply_node(fields, value, key, origin);
      continue;
    }
    ConfigField* field = find_field(fields, key);
    if (field == nullptr) unknown_key(fields, key, origin);
    if (value.IsNull()) {
      if (!std::holds_alternative<std::string*>(field->ref)) bad_value(*field, "", origin);
      assign(*field, "", origin);
    } else if (!value.IsScalar()) {
      throw ConfigError(fmt::format("{}: {} must be a single value, got a {}; expected {}", origin,
                                    key, value.IsSequence() ? "list" : "mapping",
                                    field->allowed()));
    } else {
      assign(*field, value.Scalar(), origin);
    }
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(fmt::format("cannot open config file \"{}\"", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bool is_power_of_two(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

}  // namespace

void apply_yaml(Config& config, const std::string& yaml_text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("{}: invalid YAML: {}", origin, e.what()));
  }
  if (root.IsNull()) return;
  if (!root.IsMap())
    throw ConfigError(fmt::format("{}: the top level must be a mapping of sections ({})", origin,
                                  fmt::join(config_sections(), ", ")));
  auto fields = config_fields(config);
  apply_node(fields, root, "", origin);
}

void apply_override(Config& config, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError(fmt::format("--set \"{}\": expected section.key=value", assignment));
  const std::string key = assignment.substr(0, eq);
  auto fields = config_fields(config);
  ConfigField* field = find_field(fields, key);
  if (field == nullptr) unknown_key(fields, key, "--set");
  assign(*field, assignment.substr(eq + 1), "--set");
}

void validate(Config& config) {
  auto fields = config_fields(config);
  // Re-check every field: a Config built in code never passed through assign().
  for (auto& field : fields) assign(field, std::visit([](auto* v) {
                                      if constexpr (std::is_same_v<decltype(v), std::string*>)
                                        return *v;
                                      else if constexpr (std::is_same_v<decltype(v), bool*>)
                                        return std::string(*v ? "true" : "false");
                                      else
                                        return fmt::format("{}", *v);
                                    }, field.ref), "config");
  if (!is_power_of_two(config.data.image_size))
    throw ConfigError(fmt::format(
        "config: data.image_size = {} is not allowed: expected a power of two in [8, 256]",
        config.data.image_size));
  if ((config.data.dataset == "cifar10" || config.data.dataset == "hdf5") && config.data.path.empty())
    throw ConfigError(fmt::format(
        "config: data.path is empty: data.dataset = \"{}\" needs the path of its data",
        config.data.dataset));
  if (config.output.resume != "never" && config.output.dir.empty())
    throw ConfigError(fmt::format(
        "config: output.resume = \"{}\" needs output.dir: name the run directory to continue",
        config.output.resume));
  const bool toy = is_toy_dataset(config.data.dataset);
  if (config.sampler.method == "anila" && toy && config.sampler.anila_granularity == "pixel")
    throw ConfigError(fmt::format(
        "config: sampler.anila_granularity = \"pixel\" is not allowed with data.dataset = \"{}\" (2-D points "
        "have no pixels): expected coordinate or sample", config.data.dataset));
  if (toy && config.model.type == "convnet")
    throw ConfigError(fmt::format(
        "config: model.type = \"convnet\" is not allowed with data.dataset = \"{}\" (2-D points): "
        "expected mlp or auto", config.data.dataset));
  if (!toy && config.model.type == "mlp")
    throw ConfigError(fmt::format(
        "config: model.type = \"mlp\" is not allowed with data.dataset = \"{}\" (images): "
        "expected convnet or auto", config.data.dataset));
  if (config.eval.every > 0 && toy && config.eval.features == "inception")
    throw ConfigError(fmt::format(
        "config: eval.features = \"inception\" needs images, and data.dataset = \"{}\" is 2-D points: set "
        "eval.features to a TorchScript file for points, or eval.every = 0", config.data.dataset));
  const bool metropolis = config.sampler.method == "mala" || config.sampler.method == "hmc";
  if (metropolis && config.sampler.grad_clip > 0)
    throw ConfigError(fmt::format(
        "config: sampler.grad_clip = {} is not allowed with sampler.method = \"{}\": the Metropolis correction needs "
        "the true gradient; expected 0 (or sampler.method langevin or anila)", config.sampler.grad_clip,
        config.sampler.method));
  if (metropolis && config.sampler.clamp > 0)
    throw ConfigError(fmt::format(
        "config: sampler.clamp = {} is not allowed with sampler.method = \"{}\": clamped proposals break the "
        "Metropolis correction; expected 0 (or sampler.method langevin or anila)", config.sampler.clamp,
        config.sampler.method));
  if (config.sampler.method == "mala" && config.sampler.noise <= 0)
    throw ConfigError("config: sampler.noise = 0 is not allowed with sampler.method = \"mala\": the proposal needs "
                      "noise; expected a number > 0 (the exact Langevin pairing is noise = sqrt(2 * step_size))");
  if (config.eval.every > 0 && (config.sampler.init == "data" || config.sampler.init == "persistent"))
    throw ConfigError(fmt::format(
        "config: eval.every > 0 is not allowed with sampler.init = \"{}\": training-time evaluation draws short-run "
        "samples from noise, which this model is not trained for; expected eval.every = 0 (or sampler.init uniform "
        "or gaussian), and evaluate long-run chains with srm-dist longrun", config.sampler.init));
  const double jump = config.train.divergence_grad_jump;
  if (jump != 0 && jump <= 1)
    throw ConfigError(fmt::format(
        "config: train.divergence_grad_jump = {:g} is not allowed: a ratio of at most 1 fires on a steady run; "
        "expected 0 (off) or a number above 1 (the default 4: healthy runs stay below 2)", jump));
  if (config.eval.features.empty())
    throw ConfigError("config: eval.features is empty: expected inception or the path of a TorchScript file");
}

Config load_config(const std::string& yaml_path, const std::vector<std::string>& overrides) {
  Config config;
  if (!yaml_path.empty()) apply_yaml(config, read_file(yaml_path), yaml_path);
  for (const auto& o : overrides) apply_override(config, o);
  validate(config);
  return config;
}

std::string to_yaml(Config& config) {
  auto fields = config_fields(config);
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (const auto& section : config_sections()) {
    out << YAML::Key << section << YAML::Value << YAML::BeginMap;
    for (auto& f : fields) {
      if (f.section() != section) continue;
      out << YAML::Key << f.key.substr(section.size() + 1) << YAML::Value;
      std::visit([&out](auto* v) {
        if constexpr (std::is_same_v<decltype(v), double*>)
          out << fmt::format("{}", *v);  // shortest round-trip form
        else
          out << *v;
      }, f.ref);
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace srm
