// Device selection (see device.h).
#include "util/device.h"

#include <ATen/Context.h>

#include <fmt/format.h>
#include <torch/cuda.h>

#include <stdexcept>

namespace srm {

c10::Device select_device(const std::string& choice, int local_rank, int local_size) {
  const bool has_cuda = torch::cuda::is_available();
  if (choice == "cpu" || (choice == "auto" && !has_cuda)) return c10::Device(c10::kCPU);
  if (!has_cuda)
    throw std::runtime_error("train.device = cuda, but no CUDA device is visible to this process; "
                             "use train.device=cpu or auto");
  const auto count = static_cast<int>(torch::cuda::device_count());
  if (count == 1) return c10::Device(c10::kCUDA, 0);  // one GPU per rank (or a single-rank job)
  if (local_rank >= count)
    throw std::runtime_error(fmt::format("node-local rank {} of {} has no GPU of its own: {} GPUs are visible. "
                                         "Start at most {} ranks per node.", local_rank, local_size, count, count));
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(local_rank));
}

void set_cudnn_autotuning(const c10::Device& device, bool enabled) {
  if (device.is_cuda()) at::globalContext().setBenchmarkCuDNN(enabled);
}

}  // namespace srm
