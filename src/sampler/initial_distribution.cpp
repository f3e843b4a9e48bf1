// p0 draws (see initial_distribution.h).
#include "sampler/initial_distribution.h"

#include <stdexcept>

namespace srm {

InitKind parse_init_kind(const std::string& name) {
  if (name == "uniform") return InitKind::Uniform;
  if (name == "gaussian") return InitKind::Gaussian;
  throw std::invalid_argument("sampler.init: unknown initial distribution \"" + name + "\"");
}

at::Tensor draw_initial(InitKind kind, int64_t count, const std::vector<int64_t>& example_shape,
                        NoiseStream& noise, const at::TensorOptions& options) {
  if (kind == InitKind::Uniform) return noise.uniform(count, example_shape, options);
  return noise.normal(count, example_shape, options);
}

}  // namespace srm
