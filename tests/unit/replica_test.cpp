// Data-parallel pieces in one process: the gradient averager's weighting (with a recording
// communicator standing in for the all-reduce) and the parameter checksum's sensitivity.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "comm/single_process_communicator.h"
#include "trainer/gradient_averager.h"
#include "trainer/replica_sync.h"
#include "unit/test_energies.h"

namespace srm {
namespace {

// A "2-rank" reduction in one process: adds a fixed peer buffer to ours.
class AddPeerCommunicator : public SingleProcessCommunicator {
 public:
  explicit AddPeerCommunicator(torch::Tensor peer) : peer_(std::move(peer)) {}
  void all_reduce(at::Tensor& t, ReduceOp op) override {
    ++calls;
    if (op == ReduceOp::Sum) t.add_(peer_);
  }
  int calls = 0;

 private:
  torch::Tensor peer_;
};

TEST(GradientAverager, OneFlatReductionWeightedByShardShare) {
  test::LinearEnergy f(torch::tensor({1.0f, 2.0f}));
  f.w_.mutable_grad() = torch::tensor({3.0f, 6.0f});  // local mean gradient on a shard of 3 (of 5)
  f.b_.mutable_grad() = torch::tensor({9.0f});
  auto stats = torch::tensor({1.0f, 2.0f, 3.0f, 4.0f});
  // The peer (shard of 2) contributed 2/5 * its values: grads {10, 20}, {30}; stats {5,...}.
  const auto peer = torch::tensor({4.0f, 8.0f, 12.0f, 2.0f, 2.0f, 2.0f, 2.0f});
  AddPeerCommunicator comm(peer);
  auto params = f.parameters();
  GradientAverager(comm, 3.0 / 5.0)(params, stats);
  EXPECT_EQ(comm.calls, 1);
  EXPECT_TRUE(torch::allclose(f.w_.grad(), torch::tensor({0.6f * 3 + 4, 0.6f * 6 + 8})));
  EXPECT_TRUE(torch::allclose(f.b_.grad(), torch::tensor({0.6f * 9 + 12})));
  EXPECT_TRUE(torch::allclose(stats, torch::tensor({0.6f + 2, 1.2f + 2, 1.8f + 2, 2.4f + 2})));
}

TEST(ReplicaSync, ChecksumSeesAnyChangeAndSwap) {
  test::LinearEnergy a(torch::tensor({1.0f, 2.0f})), b(torch::tensor({1.0f, 2.0f})), c(torch::tensor({2.0f, 1.0f}));
  EXPECT_EQ(parameter_checksum(a), parameter_checksum(b));
  EXPECT_NE(parameter_checksum(a), parameter_checksum(c));  // same sum, swapped elements
  {
    torch::NoGradGuard guard;
    b.w_[0] += 1e-6f;
  }
  EXPECT_NE(parameter_checksum(a), parameter_checksum(b));
  SingleProcessCommunicator single;
  EXPECT_NO_THROW(check_replicas(a, single, 5));
}

}  // namespace
}  // namespace srm
