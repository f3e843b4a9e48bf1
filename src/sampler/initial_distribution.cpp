// p0 draws (see initial_distribution.h).
#include "sampler/initial_distribution.h"

#include <stdexcept>

namespace srm {

InitKind parse_init_kind(const std::string& name) {
  if (name == "uniform") return InitKind::Uniform;
  if (name == "gaussian") return InitKind::Gaussian;
  if (name == "data") return InitKind::Data;
  if (name == "persistent") return InitKind::Persistent;
  throw std::invalid_argument("sampler.init: unknown initial distribution \"" + name + "\"");
}

InitialDistribution initial_distribution(const SamplerConfig& sampler) {
  return {parse_init_kind(sampler.init), sampler.init_scale};
}

InitialDistribution noise_initial_distribution(const SamplerConfig& sampler) {
  InitialDistribution p0 = initial_distribution(sampler);
  if (p0.kind == InitKind::Data || p0.kind == InitKind::Persistent) p0.kind = InitKind::Uniform;
  return p0;
}

at::Tensor draw_initial(const InitialDistribution& p0, int64_t count, const std::vector<int64_t>& example_shape,
                        NoiseStream& noise, const at::TensorOptions& options) {
  if (p0.kind == InitKind::Data || p0.kind == InitKind::Persistent)
    throw std::invalid_argument(std::string("sampler.init = ") + (p0.kind == InitKind::Data ? "data" : "persistent") +
                                " starts chains at a data batch or a replay buffer, which only training has: sample "
                                "from noise with --set sampler.init=uniform (or gaussian)");
  at::Tensor x = p0.kind == InitKind::Uniform ? noise.uniform(count, example_shape, options)
                                              : noise.normal(count, example_shape, options);
  return p0.scale == 1.0 ? x : x.mul_(p0.scale);
}

}  // namespace srm
