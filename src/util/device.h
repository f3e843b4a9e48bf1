// Chooses the compute device from train.device (auto | cpu | cuda) and the rank's place on
// its node: rank with node-local rank l takes GPU l.
#pragma once

#include <c10/core/Device.h>

#include <string>

namespace srm {

// auto: a CUDA device when one is visible, else the CPU. cuda without a visible GPU, or a
// node-local rank with no GPU of its own, throws std::runtime_error saying so. When each rank
// sees exactly one GPU (CUDA_VISIBLE_DEVICES set per rank by the launcher), that GPU is used.
c10::Device select_device(const std::string& choice, int local_rank, int local_size);

// On a CUDA device: cuDNN autotuning (train.cudnn_benchmark) on or off. Nothing on the CPU.
void set_cudnn_autotuning(const c10::Device& device, bool enabled);

}  // namespace srm
