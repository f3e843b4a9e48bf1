// Loading a trained model for the generator commands (see trained_model.h).
#include "commands/trained_model.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <filesystem>
#include <stdexcept>

#include "checkpoint/checkpoint_file.h"
#include "config/config_loader.h"
#include "integrity/hdf5_probe.h"
#include "io/run_archive.h"
#include "model/energy_factory.h"

namespace srm {
namespace {

namespace fs = std::filesystem;

struct StoredParameters {
  std::string config_yaml;
  NamedTensors parameters;
  int64_t iteration = 0;
  std::string archive;  // the run's archive (for the example shape)
};

StoredParameters read_stored(const fs::path& path, int64_t iteration) {
  if (!fs::exists(path))
    throw std::runtime_error(fmt::format("\"{}\" does not exist (expected a run directory, its archive.h5 or a "
                                         "checkpoints/ckpt_*.h5 file)", path.string()));
  StoredParameters stored;
  if (path.filename().string().rfind("ckpt_", 0) == 0) {
    TrainingCheckpoint c = read_checkpoint_file(path.string());
    if (iteration >= 0 && iteration != c.iteration)
      throw std::runtime_error(fmt::format("--iteration {}: \"{}\" holds iteration {}", iteration, path.string(),
                                           c.iteration));
    stored = {c.config_yaml, std::move(c.parameters), c.iteration, (path.parent_path().parent_path() / "archive.h5").string()};
    if (fs::exists(stored.archive)) probe_hdf5_file(stored.archive, "the run's archive");
    return stored;
  }
  const fs::path archive = fs::is_directory(path) ? path / "archive.h5" : path;
  if (!fs::exists(archive)) throw std::runtime_error(fmt::format("\"{}\" does not exist", archive.string()));
  probe_hdf5_file(archive.string(), "archive");  // the live archive has no checksum: read it in a child first
  const auto available = archive_checkpoint_iterations(archive.string());
  if (available.empty())
    throw std::runtime_error(fmt::format("\"{}\" holds no parameter snapshot yet (the first is written at "
                                         "output.checkpoint_every)", archive.string()));
  const int64_t chosen = iteration < 0 ? available.back() : iteration;
  if (std::find(available.begin(), available.end(), chosen) == available.end())
    throw std::runtime_error(fmt::format("--iteration {}: \"{}\" has snapshots at iterations {}", iteration,
                                         archive.string(), fmt::join(available, ", ")));
  stored = {archive_string_attribute(archive.string(), "config"), archive_read_checkpoint(archive.string(), chosen),
            chosen, archive.string()};
  return stored;
}

}  // namespace

TrainedModel load_trained_model(const std::string& path, int64_t iteration, const std::vector<std::string>& overrides,
                                const c10::Device& device) {
  StoredParameters stored = read_stored(path, iteration);
  TrainedModel model;
  apply_yaml(model.config, stored.config_yaml, path + " (stored config)");
  for (const auto& o : overrides) apply_override(model.config, o);
  validate(model.config);
  if (!fs::exists(stored.archive))
    throw std::runtime_error(fmt::format("the run's archive \"{}\" (for the example shape) is missing", stored.archive));
  model.example_shape = archive_int_attribute(stored.archive, "example_shape");
  model.energy = make_energy_net(model.config.model, model.example_shape);
  auto named = model.energy->named_parameters();
  if (named.size() != stored.parameters.size())
    throw std::runtime_error(fmt::format("\"{}\": {} parameter tensors stored, the model has {}", path,
                                         stored.parameters.size(), named.size()));
  {
    const torch::NoGradGuard no_grad;
    for (const auto& [name, tensor] : stored.parameters) {
      auto* target = named.find(name);
      if (target == nullptr || !target->sizes().equals(tensor.sizes()))
        throw std::runtime_error(fmt::format("\"{}\": stored parameter {} does not fit the model", path, name));
      target->copy_(tensor);
    }
  }
  for (auto& p : model.energy->parameters()) p.set_requires_grad(false);
  model.energy->to(device);
  model.energy->eval();
  model.iteration = stored.iteration;
  model.source = fmt::format("{} at iteration {}", path, stored.iteration);
  model.run_dir = fs::path(stored.archive).parent_path().string();
  return model;
}

}  // namespace srm

namespace srm {

std::string default_output_prefix(const TrainedModel& model, const std::string& command) {
  const auto folder = std::filesystem::path(model.run_dir) / "generated";
  std::filesystem::create_directories(folder);
  return (folder / fmt::format("{}_iter_{:08d}", command, model.iteration)).string();
}

}  // namespace srm
