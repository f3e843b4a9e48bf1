// Loading a trained model for the generator commands (see trained_model.h).
#include "commands/trained_model.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "checkpoint/checkpoint_file.h"
#include "config/config_loader.h"
#include "integrity/hdf5_probe.h"
#include "io/run_archive.h"
#include "model/energy_factory.h"
#include "util/log.h"

namespace srm {
namespace {

namespace fs = std::filesystem;

struct StoredParameters {
  std::string config_yaml;
  NamedTensors parameters;  // and buffers
  NamedTensors ema;         // empty when the run kept none
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
    NamedTensors state = std::move(c.parameters);
    state.insert(state.end(), c.buffers.begin(), c.buffers.end());
    stored = {c.config_yaml, std::move(state), std::move(c.ema), c.iteration,
              (path.parent_path().parent_path() / "archive.h5").string()};
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
            archive_read_ema(archive.string(), chosen), chosen, archive.string()};
  return stored;
}

}  // namespace

TrainedModel load_trained_model(const std::string& path, int64_t iteration, const std::vector<std::string>& overrides,
                                const c10::Device& device, const std::string& weights) {
  StoredParameters stored = read_stored(path, iteration);
  if (weights == "ema" && stored.ema.empty())
    throw std::runtime_error(fmt::format("--weights ema: \"{}\" at iteration {} holds no EMA weights (the run had "
                                         "train.ema = 0); use --weights raw", path, stored.iteration));
  const bool use_ema = weights != "raw" && !stored.ema.empty();
  TrainedModel model;
  apply_yaml(model.config, stored.config_yaml, path + " (stored config)");
  for (const auto& o : overrides) apply_override(model.config, o);
  validate(model.config);
  if (!fs::exists(stored.archive))
    throw std::runtime_error(fmt::format("the run's archive \"{}\" (for the example shape) is missing", stored.archive));
  model.example_shape = archive_int_attribute(stored.archive, "example_shape");
  model.energy = make_energy_net(model.config.model, model.example_shape);
  auto named = model.energy->named_parameters();
  auto buffers = model.energy->named_buffers();
  if (named.size() + buffers.size() != stored.parameters.size())
    throw std::runtime_error(fmt::format("\"{}\": {} tensors stored, the model has {} parameters and {} buffers", path,
                                         stored.parameters.size(), named.size(), buffers.size()));
  {
    const torch::NoGradGuard no_grad;
    const auto copy_into = [&](const std::string& name, const at::Tensor& tensor, bool parameter_only) {
      at::Tensor* target = named.find(name);
      if (target == nullptr && !parameter_only) target = buffers.find(name);
      if (target == nullptr || !target->sizes().equals(tensor.sizes()))
        throw std::runtime_error(fmt::format("\"{}\": stored tensor {} does not fit the model", path, name));
      target->copy_(tensor);
    };
    for (const auto& [name, tensor] : stored.parameters) copy_into(name, tensor, false);
    if (use_ema) {  // the averaged parameters, and with spectral norm the average's own u, v
      size_t parameters = 0;
      for (const auto& [name, tensor] : stored.ema) {
        copy_into(name, tensor, false);
        parameters += named.find(name) != nullptr;
      }
      if (parameters != named.size())
        throw std::runtime_error(fmt::format("\"{}\": the EMA weights cover {} of the model's {} parameters", path,
                                             parameters, named.size()));
    }
  }
  for (auto& p : model.energy->parameters()) p.set_requires_grad(false);
  model.energy->to(device);
  model.energy->eval();
  model.iteration = stored.iteration;
  model.weights = use_ema ? "ema" : "raw";
  if (use_ema && model.config.train.ema > 0 && weights == "auto") {
    // No bias correction: early in a run the average is still mostly the initial weights.
    const double initial_share = std::pow(model.config.train.ema, static_cast<double>(stored.iteration));
    if (initial_share > 0.1)
      log_line(0, fmt::format("warning: the EMA weights at iteration {} are still {:.0f}% the initial weights "
                              "(train.ema = {}): --weights raw uses the trained ones", stored.iteration,
                              100 * initial_share, model.config.train.ema));
  }
  model.source = fmt::format("{} at iteration {} ({} weights)", path, stored.iteration, model.weights);
  model.run_dir = fs::path(stored.archive).parent_path().string();
  return model;
}

}  // namespace srm

namespace srm {

void use_noise_free_sampler(TrainedModel& model, const std::vector<std::string>& user_overrides,
                            const std::string& command) {
  const std::string& method = model.config.sampler.method;
  if (method == "mala" || method == "hmc")
    throw std::runtime_error(fmt::format(
        "{} runs the noise-free sampler M_theta(z), and sampler.method = {} has none (its Metropolis accept / reject "
        "is not a deterministic, differentiable map): add --set sampler.method=langevin to use the trained energy "
        "with Langevin steps", command, method));
  for (const auto& o : user_overrides)
    if (o.rfind("sampler.noise=", 0) == 0) return;
  model.config.sampler.noise = 0;
}

std::string default_output_prefix(const TrainedModel& model, const std::string& command) {
  const auto folder = std::filesystem::path(model.run_dir) / "generated";
  std::filesystem::create_directories(folder);
  return (folder / fmt::format("{}_iter_{:08d}", command, model.iteration)).string();
}

}  // namespace srm
