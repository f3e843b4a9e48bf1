// The first rows of a global batch, gathered from the ranks that hold them: what the archive
// and the sample PNG keep of each sampled batch (output.samples_kept), whatever the number of
// ranks. Rank r holds global rows [offset_r, offset_r + count_r) in rank order.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "comm/communicator.h"

namespace srm {

// Collective: every rank calls it with its own rows (`local`, shape (count, ...)) and the
// offset of its first row in the global batch. Returns rows [0, kept) of the global batch on the
// CPU, on every rank, where kept = min(wanted, global_rows). One all-reduce of kept rows (a
// zero-filled buffer each rank writes its rows into): exact, since every element has one
// non-zero contributor.
at::Tensor gather_leading_rows(Communicator& comm, const at::Tensor& local, int64_t offset, int64_t global_rows,
                               int64_t wanted);

}  // namespace srm
