// Device selection (see device.h).
#include "util/device.h"

#include <ATen/Context.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>

#include <fmt/format.h>
#include <torch/cuda.h>

#include <map>
#include <stdexcept>

#if SRM_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

namespace srm {

c10::Device select_device(const std::string& choice, int local_rank, int local_size) {
  use_strict_fp32_numerics();
  const bool has_cuda = torch::cuda::is_available();
  if (choice == "cpu" || (choice == "auto" && !has_cuda)) return c10::Device(c10::kCPU);
  if (!has_cuda)
    throw std::runtime_error("train.device = cuda, but no CUDA device is visible to this process; "
                             "use train.device=cpu or auto");
  const auto count = static_cast<int>(torch::cuda::device_count());
  // One GPU visible: one GPU per rank (CUDA_VISIBLE_DEVICES per rank) or a single-rank job.
  const int index = count == 1 ? 0 : local_rank;
  if (index >= count)
    throw std::runtime_error(fmt::format("node-local rank {} of {} has no GPU of its own: {} GPUs are visible. "
                                         "Start at most {} ranks per node.", local_rank, local_size, count, count));
  const c10::Device device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
  c10::impl::getDeviceGuardImpl(c10::kCUDA)->setDevice(device);
  return device;
}

void use_strict_fp32_numerics() {
  auto& context = at::globalContext();
  context.setAllowTF32CuBLAS(false);
  context.setAllowTF32CuDNN(false);
}

void set_cudnn_autotuning(const c10::Device& device, bool enabled) {
  if (device.is_cuda()) at::globalContext().setBenchmarkCuDNN(enabled);
}

std::string physical_device_id(const c10::Device& device) {
  if (!device.is_cuda()) return device.str();
#if SRM_WITH_CUDA
  // The UUID, which (where CUDA reports per-slice UUIDs, 11.4 on) also tells apart the MIG
  // slices of one GPU that share its PCI bus id; the bus id is the fallback.
  cudaDeviceProp properties{};
  if (cudaGetDeviceProperties(&properties, device.index()) == cudaSuccess) {
    std::string uuid = "GPU-";  // as nvidia-smi -L prints it: 8-4-4-4-12 hex digits
    for (int i = 0; i < 16; ++i) {
      if (i == 4 || i == 6 || i == 8 || i == 10) uuid += '-';
      uuid += fmt::format("{:02x}", static_cast<uint8_t>(properties.uuid.bytes[i]));
    }
    return uuid;
  }
  char bus_id[64] = {0};
  if (cudaDeviceGetPCIBusId(bus_id, sizeof bus_id, device.index()) == cudaSuccess) return bus_id;
#endif
  return "unknown " + device.str();
}

void check_one_rank_per_gpu(const std::vector<RankPlace>& places) {
  std::map<std::string, size_t> owner;  // host|physical id -> rank
  for (size_t r = 0; r < places.size(); ++r) {
    const RankPlace& p = places[r];
    if (p.device.rfind("cuda", 0) != 0) continue;
    const auto [it, inserted] = owner.emplace(p.host + "|" + p.physical_id, r);
    if (!inserted)
      throw std::runtime_error(fmt::format("ranks {} and {} on host {} would share one GPU ({}; {} and {}): bind "
                                           "one GPU per rank, or start at most one rank per GPU",
                                           it->second, r, p.host, p.physical_id, places[it->second].device, p.device));
  }
}

}  // namespace srm
