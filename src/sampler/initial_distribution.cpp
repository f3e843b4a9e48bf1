// p0 draws (see initial_distribution.h).
#include "sampler/initial_distribution.h"

#include <ATen/ATen.h>

#include <stdexcept>

namespace srm {

InitKind parse_init_kind(const std::string& name) {
  if (name == "uniform") return InitKind::Uniform;
  if (name == "gaussian") return InitKind::Gaussian;
  throw std::invalid_argument("sampler.init: unknown initial distribution \"" + name + "\"");
}

at::Tensor draw_initial(InitKind kind, int64_t count, const std::vector<int64_t>& example_shape,
                        at::Generator& gen, const at::TensorOptions& options) {
  std::vector<int64_t> shape{count};
  shape.insert(shape.end(), example_shape.begin(), example_shape.end());
  at::Tensor x = at::empty(shape, options);
  if (kind == InitKind::Uniform) return x.uniform_(-1.0, 1.0, gen);
  return x.normal_(0.0, 1.0, gen);
}

}  // namespace srm
