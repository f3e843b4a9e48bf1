// Chooses the compute device from train.device (auto | cpu | cuda).
#pragma once

#include <c10/core/Device.h>

#include <string>

namespace srm {

// auto: the first CUDA device when one is visible, else the CPU. cuda without a visible GPU
// throws std::runtime_error saying so.
c10::Device select_device(const std::string& choice);

}  // namespace srm
