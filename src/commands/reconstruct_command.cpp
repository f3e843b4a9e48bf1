// The reconstruct command (see reconstruct_command.h).
#include "commands/reconstruct_command.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/optim/adam.h>

#include <numeric>

#include "commands/trained_model.h"
#include "config/config_loader.h"
#include "data/dataset_factory.h"
#include "io/generated_file.h"
#include "io/png_output.h"
#include "io/progress_line.h"
#include "sampler/initial_distribution.h"
#include "sampler/sampler_backprop.h"
#include "sampler/sampler_settings.h"
#include "util/device.h"
#include "util/log.h"
#include "util/random.h"
#include "util/seed.h"

namespace srm {

int run_reconstruct_command(const CliArgs& args) {
  TrainedModel model = load_trained_model(args.operands.at(0), args.iteration, args.overrides, c10::Device(c10::kCPU),
                                          args.weights);
  use_noise_free_sampler(model, args.overrides, "reconstruct");  // M_theta with u = 0, as the paper
  const c10::Device device = select_device(model.config.train.device, 0, 1);
  model.energy->to(device);
  const auto data = open_dataset(model.config.data, static_cast<uint64_t>(model.config.train.seed));
  if (data->example_shape() != model.example_shape)
    throw std::runtime_error(fmt::format("the data ({}) does not have the model's example shape", data->describe()));
  const int64_t n = std::min(args.count > 0 ? args.count : 16, data->size());
  const int64_t steps = args.optimizer_steps > 0 ? args.optimizer_steps : 200;
  std::vector<int64_t> indices(static_cast<size_t>(n));
  std::iota(indices.begin(), indices.end(), 0);
  const at::Tensor observed = data->load(indices).to(device);
  const double per_example = static_cast<double>(observed[0].numel());

  NoiseStream noise(make_generator(device, derive_seed(static_cast<uint64_t>(model.config.train.seed), 0x5245434F /* "RECO" */)));
  at::Tensor z = draw_initial(initial_distribution(model.config.sampler), n, model.example_shape, noise,
                              observed.options()).requires_grad_(true);
  torch::optim::Adam optimizer({z}, torch::optim::AdamOptions(0.1));
  const LangevinSettings settings = sampler_settings(model.config.sampler);
  const auto loss_grad = [&](const at::Tensor& x) { return 2 * (x - observed) / per_example; };  // per-image mean
  log_line(0, fmt::format("reconstructing {} images of {} with {} (K = {}), {} Adam steps on z", n, data->describe(),
                          model.source, model.config.sampler.steps, steps));

  std::vector<at::Tensor> trajectory;
  ProgressLine progress("reconstruct", 0, steps, 10, stdout);
  at::Tensor mse;
  for (int64_t t = 0; t <= steps; ++t) {
    const SamplerGradient g = sampler_input_gradient(*model.energy, settings, z, loss_grad);
    mse = (g.x_final - observed).pow(2).flatten(1).mean(1);
    if (t % std::max<int64_t>(steps / 8, 1) == 0 || t == steps) trajectory.push_back(g.x_final.to(at::kCPU));
    if (t == steps) break;
    z.mutable_grad() = g.grad_z;
    optimizer.step();
    progress.update(t + 1, fmt::format("per-pixel MSE {:.5f}", mse.mean().item<double>()));
  }
  progress.finish();
  const at::Tensor reconstruction = trajectory.back();
  const std::string prefix = args.out.empty() ? default_output_prefix(model, "reconstruction") : args.out;
  const GeneratedFile file(prefix + ".h5", {{"format", "srm-dist-reconstruction/1"}, {"source", model.source},
                                            {"data", data->describe()}, {"config", to_yaml(model.config)}});
  file.write("observed", observed.to(at::kCPU));
  file.write("reconstruction", reconstruction);
  file.write("mse", mse.to(at::kCPU));
  file.write("trajectory", at::stack(trajectory));
  file.seal();
  if (observed.dim() == 4) {
    const int64_t shown = std::min<int64_t>(n, 8);
    std::vector<at::Tensor> rows{observed.narrow(0, 0, shown).to(at::kCPU)};
    for (const auto& x : trajectory) rows.push_back(x.narrow(0, 0, shown));
    write_samples_png(prefix + ".png", at::cat(rows), shown);
  } else {
    write_samples_png(prefix + ".png", at::cat({observed.to(at::kCPU), reconstruction}));
  }
  fmt::print("per-pixel MSE over {} images: {:.6f} (min {:.6f}, max {:.6f})\n", n, mse.mean().item<double>(),
             mse.min().item<double>(), mse.max().item<double>());
  log_line(0, fmt::format("wrote {}.h5 and {}.png", prefix, prefix));
  return 0;
}

}  // namespace srm
