// Sampler precision (see sampler_precision.h).
#include "sampler/sampler_precision.h"

#include <ATen/Context.h>
#include <fmt/format.h>

#include <stdexcept>

namespace srm {

SamplerPrecision parse_sampler_precision(const std::string& name) {
  if (name == "fp32") return SamplerPrecision::Fp32;
  if (name == "tf32") return SamplerPrecision::Tf32;
  if (name == "bf16") return SamplerPrecision::Bf16;
  throw std::invalid_argument(fmt::format("unknown sampler precision \"{}\" (fp32, tf32, bf16)", name));
}

std::optional<at::ScalarType> sampler_compute_dtype(SamplerPrecision precision) {
  if (precision == SamplerPrecision::Bf16) return at::kBFloat16;
  return std::nullopt;
}

SamplerPrecisionScope::SamplerPrecisionScope(SamplerPrecision precision)
    : active_(precision == SamplerPrecision::Tf32) {
  if (!active_) return;
  auto& context = at::globalContext();
  cublas_before_ = context.allowTF32CuBLAS();
  cudnn_before_ = context.allowTF32CuDNN();
  context.setAllowTF32CuBLAS(true);
  context.setAllowTF32CuDNN(true);
}

SamplerPrecisionScope::~SamplerPrecisionScope() {
  if (!active_) return;
  auto& context = at::globalContext();
  context.setAllowTF32CuBLAS(cublas_before_);
  context.setAllowTF32CuDNN(cudnn_before_);
}

}  // namespace srm
