// Gathering the leading rows of a global batch (see sample_gather.h).
#include "trainer/sample_gather.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace srm {

at::Tensor gather_leading_rows(Communicator& comm, const at::Tensor& local, int64_t offset, int64_t global_rows,
                               int64_t wanted) {
  const int64_t kept = std::min(wanted, global_rows);
  const int64_t mine = std::clamp<int64_t>(kept - offset, 0, local.size(0));  // my rows inside [0, kept)
  if (comm.world_size() == 1) return local.narrow(0, 0, mine).to(at::kCPU).clone();
  std::vector<int64_t> shape = local.sizes().vec();
  shape[0] = kept;
  at::Tensor buffer = at::zeros(shape, local.options().memory_format(at::MemoryFormat::Contiguous).device(comm.device()));
  if (mine > 0) buffer.narrow(0, offset, mine).copy_(local.narrow(0, 0, mine));
  comm.all_reduce(buffer, ReduceOp::Sum);
  return buffer.to(at::kCPU);
}

}  // namespace srm
