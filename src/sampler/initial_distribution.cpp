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

at::Tensor draw_initial(InitKind kind, int64_t count, const std::vector<int64_t>& example_shape,
                        NoiseStream& noise, const at::TensorOptions& options) {
  if (kind == InitKind::Data || kind == InitKind::Persistent)
    throw std::invalid_argument(std::string("sampler.init = ") + (kind == InitKind::Data ? "data" : "persistent") +
                                " starts chains at a data batch or a replay buffer, which only training has: sample "
                                "from noise with --set sampler.init=uniform (or gaussian)");
  if (kind == InitKind::Uniform) return noise.uniform(count, example_shape, options);
  return noise.normal(count, example_shape, options);
}

}  // namespace srm
