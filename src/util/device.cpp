// Device selection (see device.h).
#include "util/device.h"

#include <torch/cuda.h>

#include <stdexcept>

namespace srm {

c10::Device select_device(const std::string& choice) {
  const bool has_cuda = torch::cuda::is_available();
  if (choice == "cpu" || (choice == "auto" && !has_cuda)) return c10::Device(c10::kCPU);
  if (!has_cuda)
    throw std::runtime_error("train.device = cuda, but no CUDA device is visible (LibTorch built "
                             "with CUDA: " + std::string(torch::cuda::is_available() ? "yes" : "see above") +
                             "); use train.device=cpu or auto");
  return c10::Device(c10::kCUDA, 0);
}

}  // namespace srm
