// The interpolate command (see interpolate_command.h).
#include "commands/interpolate_command.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "commands/trained_model.h"
#include "config/config_loader.h"
#include "io/generated_file.h"
#include "io/png_output.h"
#include "sampler/initial_distribution.h"
#include "sampler/sampler_settings.h"
#include "util/device.h"
#include "util/log.h"
#include "util/random.h"
#include "util/seed.h"

namespace srm {

at::Tensor interpolated_starts(const std::string& path, const InitialDistribution& p0, const at::Tensor& z1,
                               const at::Tensor& z2, const at::Tensor& rho) {
  const at::Tensor a = rho, b = (1 - rho * rho).clamp_min(0).sqrt();
  if (path == "paper") return a * z1 + b * z2;
  if (path != "copula") throw std::invalid_argument("--interpolation: expected paper or copula, got \"" + path + "\"");
  if (p0.kind != InitKind::Uniform) return a * z1 + b * z2;  // Gaussian p0: the paper's path is already exact
  // u = erf(g / sqrt 2) maps N(0, 1) onto uniform [-1, 1] (z = s u): interpolate the Gaussians behind z1, z2.
  const double root2 = std::sqrt(2.0), s = p0.scale;
  if (s == 0) return z1 * a;  // every start is 0
  const auto gaussian = [root2, s](const at::Tensor& z) { return root2 * at::erfinv((z / s).clamp(-1 + 1e-7, 1 - 1e-7)); };
  return at::erf((a * gaussian(z1) + b * gaussian(z2)) / root2) * s;
}

int run_interpolate_command(const CliArgs& args) {
  TrainedModel model = load_trained_model(args.operands.at(0), args.iteration, args.overrides, c10::Device(c10::kCPU),
                                          args.weights);
  use_noise_free_sampler(model, args.overrides, "interpolate");  // M_theta with u = 0, as the paper
  const c10::Device device = select_device(model.config.train.device, 0, 1);
  model.energy->to(device);
  const int64_t pairs = args.count > 0 ? args.count : 4, points = 9;
  const auto options = at::TensorOptions().dtype(at::kFloat).device(device);
  NoiseStream noise(make_generator(device, derive_seed(static_cast<uint64_t>(model.config.train.seed), 0x494E5450 /* "INTP" */)));
  const InitialDistribution init = initial_distribution(model.config.sampler);
  const at::Tensor z1 = draw_initial(init, pairs, model.example_shape, noise, options);
  const at::Tensor z2 = draw_initial(init, pairs, model.example_shape, noise, options);
  const at::Tensor rho = at::linspace(0, 1, points, options);

  // All P * R starts in one batch: row p * R + r is pair p at rho_r.
  std::vector<int64_t> expand{pairs, points};
  expand.insert(expand.end(), model.example_shape.begin(), model.example_shape.end());
  std::vector<int64_t> rho_shape(expand.size(), 1);
  rho_shape[1] = points;
  const at::Tensor r = rho.view(rho_shape);
  std::vector<int64_t> flat{pairs * points};
  flat.insert(flat.end(), model.example_shape.begin(), model.example_shape.end());
  const at::Tensor z = interpolated_starts(args.interpolation, init, z1.unsqueeze(1), z2.unsqueeze(1), r).reshape(flat);
  log_line(0, fmt::format("interpolating {} pairs over {} values of rho with {} (K = {}, noise {}, {} path)", pairs,
                          points, model.source, model.config.sampler.steps, model.config.sampler.noise,
                          args.interpolation));
  const at::Tensor x = LangevinSampler(sampler_settings(model.config.sampler)).run(*model.energy, z, noise).samples.to(at::kCPU);

  const std::string prefix = args.out.empty() ? default_output_prefix(model, "interpolation") : args.out;
  const GeneratedFile file(prefix + ".h5", {{"format", "srm-dist-interpolation/1"}, {"source", model.source},
                                            {"config", to_yaml(model.config)},
                                            {"interpolation", args.interpolation}});
  file.write("interpolations", x.view(expand));
  file.write("rho", rho.to(at::kCPU));
  file.seal();
  write_samples_png(prefix + ".png", x, points);
  if (x.dim() == 4)
    for (int64_t p = 0; p < pairs; ++p)
      write_samples_png(fmt::format("{}_pair_{}.png", prefix, p), x.narrow(0, p * points, points), points);
  log_line(0, fmt::format("wrote {}.h5 and {}.png", prefix, prefix));
  return 0;
}

}  // namespace srm
