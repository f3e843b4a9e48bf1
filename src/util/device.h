// Chooses the compute device from train.device (auto | cpu | cuda) and the rank's place on
// its node (rank with node-local rank l takes GPU l), and makes it the process's device.
// This is the only place in src/ that names CUDA devices: everything else creates tensors on
// the Device returned here (or on the communicator's device(), the same one), never on a
// bare "cuda", so every rank works on its own GPU (tests/unit/device_test.cpp checks this).
#pragma once

#include <c10/core/Device.h>

#include <string>
#include <vector>

namespace srm {

// auto: a CUDA device when one is visible, else the CPU. cuda without a visible GPU, or a
// node-local rank with no GPU of its own, throws std::runtime_error saying so. When each rank
// sees exactly one GPU (CUDA_VISIBLE_DEVICES set per rank by the launcher), that GPU is used.
// The chosen GPU becomes the current CUDA device (so library code that allocates on "the
// current device" lands on it too), and strict float32 numerics are set (see below).
c10::Device select_device(const std::string& choice, int local_rank, int local_size);

// float32 means float32: TF32 off in cuBLAS and cuDNN (LibTorch enables it in cuDNN by
// default). sampler.precision=tf32 turns it on inside its own scope only. Called by
// select_device(); harmless without a GPU.
void use_strict_fp32_numerics();

// On a CUDA device: cuDNN autotuning (train.cudnn_benchmark) on or off. Nothing on the CPU.
void set_cudnn_autotuning(const c10::Device& device, bool enabled);

// What identifies the physical device across processes: the GPU's UUID (the same GPU, or MIG
// slice, has the same id whatever CUDA_VISIBLE_DEVICES each process sees; the PCI bus id when
// the UUID cannot be read), "cpu" for the CPU.
std::string physical_device_id(const c10::Device& device);

struct RankPlace {
  std::string host;
  int local_rank = 0;
  std::string device;       // c10::Device::str(), e.g. "cuda:1"
  std::string physical_id;  // physical_device_id()
};

// Throws std::runtime_error naming both ranks when two ranks on one host would use the same
// GPU (same physical id); CPU ranks may share.
void check_one_rank_per_gpu(const std::vector<RankPlace>& places);

}  // namespace srm
