// The long-run check (see longrun_command.h).
#include "commands/longrun_command.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <cmath>
#include <numeric>

#include "commands/trained_model.h"
#include "config/config_loader.h"
#include "data/dataset_factory.h"
#include "io/generated_file.h"
#include "io/png_output.h"
#include "io/progress_line.h"
#include "sampler/initial_distribution.h"
#include "sampler/sampler_settings.h"
#include "util/device.h"
#include "util/log.h"
#include "util/random.h"
#include "util/seed.h"

namespace srm {
namespace {

// Below this MALA / HMC acceptance rate the long-run chains count as stuck at their start.
constexpr double kStuckAcceptRate = 0.01;

double mean_energy(EnergyNet& energy, const at::Tensor& x) {
  const torch::NoGradGuard no_grad;
  return energy.forward(x).to(at::kDouble).mean().item<double>();
}

// The first `count` examples of the run's training data (or its --set data.* override).
at::Tensor data_batch(const TrainedModel& model, int64_t count, const c10::Device& device) {
  const auto data = open_dataset(model.config.data, static_cast<uint64_t>(model.config.train.seed));
  if (data->example_shape() != model.example_shape)
    throw std::runtime_error(fmt::format("the data ({}) does not have the model's example shape", data->describe()));
  std::vector<int64_t> indices(static_cast<size_t>(std::min(count, data->size())));
  std::iota(indices.begin(), indices.end(), 0);
  return data->load(indices).to(device);
}

}  // namespace

std::vector<int64_t> log_spaced_steps(int64_t steps) {
  std::vector<int64_t> out{0};
  for (int64_t decade = 1; decade <= steps; decade *= 10)
    for (const int64_t m : {1, 2, 5})
      if (m * decade <= steps) out.push_back(m * decade);
  if (out.back() != steps) out.push_back(steps);
  return out;
}

int run_longrun_command(const CliArgs& args) {
  const std::string from = args.longrun_from;
  TrainedModel model = load_trained_model(args.operands.at(0), args.iteration, args.overrides, c10::Device(c10::kCPU),
                                          args.weights);
  const c10::Device device = select_device(model.config.train.device, 0, 1);
  model.energy->to(device);
  const int64_t wanted = args.count > 0 ? args.count : 64;
  const int64_t steps = args.optimizer_steps > 0 ? args.optimizer_steps : 10000;
  const auto options = at::TensorOptions().dtype(at::kFloat).device(device);
  NoiseStream noise(make_generator(device, derive_seed(static_cast<uint64_t>(model.config.train.seed), 0x4C4F4E47 /* "LONG" */)));
  LangevinSettings settings = sampler_settings(model.config.sampler);
  const at::Tensor data = data_batch(model, wanted, device);
  // --from data runs one chain per example loaded (a small data set has fewer than wanted).
  const int64_t chains = from == "data" ? data.size(0) : wanted;
  const double data_energy = mean_energy(*model.energy, data);
  at::Tensor x;
  if (from == "data") {
    x = data.clone();
  } else {
    const InitialDistribution init = noise_initial_distribution(model.config.sampler);  // no data or buffer here
    x = draw_initial(init, chains, model.example_shape, noise, options);
    if (from == "samples") x = LangevinSampler(settings).run(*model.energy, x, noise).samples;
  }
  log_line(0, fmt::format("long-run chains: {} from {} ({} steps of {}, {} of {})", chains, from, steps,
                          model.config.sampler.method, model.source,
                          from == "samples" ? fmt::format("after the run's K = {}", settings.steps) : "the start"));
  const std::vector<int64_t> record = log_spaced_steps(steps);
  std::vector<double> energy_trace, grad_trace;
  std::vector<at::Tensor> snapshots;
  ProgressLine progress("longrun", 0, steps, 1, stdout);
  int64_t done = 0;
  double accept_sum = 0;
  for (const int64_t target : record) {
    if (target > done) {
      settings.steps = target - done;
      const ChainResult r = LangevinSampler(settings).run(*model.energy, x, noise);
      x = r.samples;
      accept_sum += r.accept_rate.item<double>() * static_cast<double>(target - done);
      done = target;
    }
    at::Tensor grad;
    {
      const torch::NoGradGuard no_grad;
      grad = model.energy->input_gradient(x);
    }
    energy_trace.push_back(mean_energy(*model.energy, x));
    grad_trace.push_back(grad.flatten(1).norm(2, {1}).mean().item<double>());
    snapshots.push_back(x.to(at::kCPU, at::kFloat).clone());
    progress.update(done, fmt::format("f {:+.4e} | |df/dx| {:.3e}", energy_trace.back(), grad_trace.back()));
  }
  progress.finish();
  for (const double e : energy_trace)
    if (!std::isfinite(e)) log_line(0, "warning: the energy along the long-run chain is not finite: the energy diverges");

  const std::string prefix = args.out.empty() ? default_output_prefix(model, "longrun_" + from) : args.out;
  const GeneratedFile file(prefix + ".h5", {{"format", "srm-dist-longrun/1"}, {"source", model.source},
                                            {"from", from}, {"config", to_yaml(model.config)},
                                            {"data_energy", fmt::format("{:.17g}", data_energy)}});
  file.write("steps", at::tensor(record, at::kLong).to(at::kFloat));
  file.write("energy", at::tensor(energy_trace, at::kDouble).to(at::kFloat));
  file.write("grad_norm", at::tensor(grad_trace, at::kDouble).to(at::kFloat));
  file.write("snapshots", at::stack(snapshots));
  file.seal();
  const at::Tensor strip = at::stack(snapshots, 1);  // (chains, records, ...): a row per chain
  const int64_t shown = std::min<int64_t>(chains, 8);
  if (model.example_shape.size() == 3)
    write_samples_png(prefix + ".png", strip.narrow(0, 0, shown).flatten(0, 1), static_cast<int64_t>(record.size()));
  else
    write_samples_png(prefix + ".png", snapshots.back());

  const double final_energy = energy_trace.back();
  const bool diverged = !std::isfinite(final_energy) || !std::isfinite(grad_trace.back());
  const bool oversaturated = !diverged && final_energy > data_energy;
  const double accept_rate = accept_sum / static_cast<double>(std::max<int64_t>(steps, 1));
  // MALA / HMC chains that rejected (nearly) every proposal still sit at their start: their energy
  // says nothing about where the density puts its mass, above or below the data's.
  const bool stuck = !diverged && settings.correction != Correction::None && accept_rate < kStuckAcceptRate;
  fmt::print("longrun:\n  source: \"{}\"\n  from: {}\n  chains: {}\n  steps: {}\n  sampler: {}\n", model.source, from, chains,
             steps, model.config.sampler.method);
  if (settings.correction != Correction::None)
    fmt::print("  accept_rate: {:.4f}\n", accept_rate);
  fmt::print("  data_energy: {:.6g}   # mean f of {} training examples\n  trace:\n", data_energy, data.size(0));
  for (size_t i = 0; i < record.size(); ++i)
    fmt::print("    - {{step: {}, energy: {:.6g}, grad_norm: {:.6g}}}\n", record[i], energy_trace[i], grad_trace[i]);
  fmt::print("  verdict: {}\n",
             diverged ? fmt::format("\"the long-run chains diverged (f = {}, |df/dx| = {}): the energy has no "
                                    "normalisable density along them\"", final_energy, grad_trace.back())
             : stuck
                 ? fmt::format("\"the chains barely moved (acceptance {:.2g} < {:g}), so their energy ({:.4g}, data {:.4g}) "
                               "says nothing about the density: lower sampler.step_size{} and run again\"",
                               accept_rate, kStuckAcceptRate, final_energy, data_energy,
                               model.config.sampler.method == "mala" ? " (MALA's Langevin pairing is noise^2 = 2 step_size)"
                                                                     : "")
             : oversaturated
                 ? fmt::format("\"long-run f ({:.4g}) rises above the data's ({:.4g}): the learned density puts more "
                               "mass off the data than on it (oversaturation; not a valid density of the data)\"",
                               final_energy, data_energy)
                 : fmt::format("\"long-run f ({:.4g}) stays at or below the data's ({:.4g}): no sign of spurious modes "
                               "at {} steps\"", final_energy, data_energy, steps));
  log_line(0, fmt::format("wrote {}.h5 and {}.png", prefix, prefix));
  return diverged ? 1 : 0;
}

}  // namespace srm
