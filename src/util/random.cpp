// Seeded generators (see random.h).
#include "util/random.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/detail/CUDAHooksInterface.h>

namespace srm {

at::Generator make_generator(const c10::Device& device, uint64_t seed) {
  at::Generator gen = device.is_cuda()
                          ? at::detail::getCUDAHooks().getNewGenerator(device.index())
                          : at::make_generator<at::CPUGeneratorImpl>(seed);
  gen.set_current_seed(seed);
  return gen;
}

}  // namespace srm
