// The arithmetic precision of the sampler's K forward + input-gradient passes
// (sampler.precision). fp32: true float32 (select_device() turns TF32 off in cuBLAS and cuDNN,
// which LibTorch would allow in cuDNN by default). tf32: TF32 tensor-core math for the sampler's matmuls and
// convolutions on NVIDIA Ampere and newer (no effect on a CPU). bf16: the passes run in
// bfloat16 (weights and chains cast per step); the chain state and its update stay fp32.
// Parameter gradients and Adam always run in fp32.
#pragma once

#include <c10/core/ScalarType.h>

#include <optional>
#include <string>

namespace srm {

enum class SamplerPrecision { Fp32, Tf32, Bf16 };

SamplerPrecision parse_sampler_precision(const std::string& name);  // fp32 | tf32 | bf16

// The dtype the input-gradient passes run in: bfloat16 for bf16, else the chains' own.
std::optional<at::ScalarType> sampler_compute_dtype(SamplerPrecision precision);

// While alive, with tf32: TF32 allowed in cuBLAS matmuls and cuDNN convolutions; the previous
// settings are restored on destruction. Does nothing for fp32 and bf16.
class SamplerPrecisionScope {
 public:
  explicit SamplerPrecisionScope(SamplerPrecision precision);
  ~SamplerPrecisionScope();
  SamplerPrecisionScope(const SamplerPrecisionScope&) = delete;
  SamplerPrecisionScope& operator=(const SamplerPrecisionScope&) = delete;

 private:
  bool active_ = false;
  bool cublas_before_ = false, cudnn_before_ = false;
};

}  // namespace srm
