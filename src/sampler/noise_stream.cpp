// Noise streams (see noise_stream.h).
#include "sampler/noise_stream.h"

#include <ATen/ATen.h>

#include <stdexcept>

namespace srm {

NoiseStream::NoiseStream(at::Generator generator) : generator_(std::move(generator)) {}

NoiseStream::NoiseStream(at::Generator generator, int64_t global, int64_t offset)
    : generator_(std::move(generator)), global_(global), offset_(offset) {
  if (global <= 0 || offset < 0 || offset > global) throw std::invalid_argument("NoiseStream: bad global slice");
}

at::Tensor NoiseStream::draw(bool gaussian, int64_t count, const std::vector<int64_t>& example_shape,
                             const at::TensorOptions& options) {
  if (global_ > 0 && offset_ + count > global_) throw std::invalid_argument("NoiseStream: slice past the global batch");
  std::vector<int64_t> shape{global_ > 0 ? global_ : count};
  shape.insert(shape.end(), example_shape.begin(), example_shape.end());
  at::Tensor t = at::empty(shape, options);
  if (gaussian)
    t.normal_(0.0, 1.0, generator_);
  else
    t.uniform_(-1.0, 1.0, generator_);
  return global_ > 0 ? t.narrow(0, offset_, count) : t;
}

at::Tensor NoiseStream::normal(int64_t count, const std::vector<int64_t>& example_shape,
                               const at::TensorOptions& options) {
  return draw(true, count, example_shape, options);
}

at::Tensor NoiseStream::uniform(int64_t count, const std::vector<int64_t>& example_shape,
                                const at::TensorOptions& options) {
  return draw(false, count, example_shape, options);
}

}  // namespace srm
