// FID/KID feature extractors (see feature_extractor.h).
#include "eval/feature_extractor.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/script.h>

#include <filesystem>

#include "eval/fid_protocol.h"
#include "eval/standard_inception.h"
#include "integrity/file_digest.h"

namespace srm {

struct FeatureExtractor::Module {
  torch::jit::Module module;
};

FeatureExtractor::FeatureExtractor(const std::string& spec, const c10::Device& device)
    : device_(device), standard_(spec == "inception") {
  path_ = standard_ ? find_standard_inception() : spec;
  if (!std::filesystem::exists(path_))
    throw std::runtime_error(fmt::format("feature extractor \"{}\" does not exist (eval.features / --features: "
                                         "inception or a TorchScript file)", path_));
  if (standard_) verify_standard_inception(path_);
  sha1_ = standard_ ? std::string(kStandardInceptionSha1) : sha1_hex_of_file(path_);
  try {
    module_ = std::make_unique<Module>(Module{torch::jit::load(path_, device_)});
    module_->module.eval();
  } catch (const c10::Error& e) {
    throw std::runtime_error(fmt::format("feature extractor \"{}\" is not a loadable TorchScript module: {}", path_,
                                         e.what_without_backtrace()));
  }
  // 299x299x3 float inputs: 50 images are about 54 MB, which keeps the CPU's caches busy and
  // a GPU's memory small; a user module's inputs are as small as the data.
  batch_size_ = standard_ ? 50 : 256;
}

FeatureExtractor::~FeatureExtractor() = default;
FeatureExtractor::FeatureExtractor(FeatureExtractor&&) noexcept = default;

at::Tensor FeatureExtractor::features(const at::Tensor& images) {
  if (standard_ && images.dim() != 4)
    throw std::runtime_error(fmt::format("the standard FID Inception takes images (N, C, H, W); these examples have "
                                         "shape ({}): for 2-D points give a TorchScript extractor of your own "
                                         "(--features FILE.pt, eval.features)", fmt::join(images.sizes(), ", ")));
  const torch::NoGradGuard no_grad;
  std::vector<at::Tensor> parts;
  for (int64_t i = 0; i < images.size(0); i += batch_size_) {
    at::Tensor batch = images.narrow(0, i, std::min(batch_size_, images.size(0) - i)).to(device_, at::kFloat);
    if (standard_) batch = inception_input(batch);
    at::Tensor out = module_->module.forward({batch}).toTensor();
    parts.push_back((out.dim() == 1 ? out.unsqueeze(1) : out.flatten(1)).to(at::kCPU, at::kFloat));
  }
  if (parts.empty()) return at::empty({0, 0}, at::kFloat);
  return at::cat(parts, 0);
}

std::string FeatureExtractor::description() const {
  return standard_ ? fmt::format("standard FID Inception-v3 ({}, SHA-1 {})", path_, sha1_)
                   : fmt::format("TorchScript {} (SHA-1 {})", path_, sha1_);
}

std::string FeatureExtractor::protocol() const {
  return standard_ ? std::string(kFidProtocolDescription) : "user extractor: images in [-1, 1] as given";
}

}  // namespace srm
