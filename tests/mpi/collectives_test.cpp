// MPI backend collectives with inputs crafted so the answers are exact (nccl-tests style).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "comm/mpi_communicator.h"
#include "data/batch_plan.h"
#include "trainer/gradient_averager.h"
#include "trainer/sample_gather.h"
#include "mpi/mpi_test_session.h"

namespace srm {
namespace {

TEST(MpiCollectives, SumIsExactForEveryDtype) {
  MpiCommunicator comm(test::mpi_session());
  const int w = comm.world_size(), r = comm.rank();
  ASSERT_GE(w, 2);
  for (auto dtype : {torch::kFloat, torch::kDouble, torch::kLong}) {
    // rank r sends (r + 1) * [1..1000]: the sum is w(w+1)/2 * [1..1000], exact in every dtype.
    auto t = torch::arange(1, 1001, dtype) * (r + 1);
    comm.all_reduce(t, ReduceOp::Sum);
    EXPECT_TRUE(torch::equal(t, torch::arange(1, 1001, dtype) * (w * (w + 1) / 2))) << dtype;
  }
}

TEST(MpiCollectives, MaxAndBroadcastFromEveryRoot) {
  MpiCommunicator comm(test::mpi_session());
  const int w = comm.world_size(), r = comm.rank();
  auto m = torch::tensor({static_cast<double>(r), -static_cast<double>(r)});
  comm.all_reduce(m, ReduceOp::Max);
  EXPECT_EQ(m[0].item<double>(), w - 1);
  EXPECT_EQ(m[1].item<double>(), 0);
  for (int root = 0; root < w; ++root) {
    auto t = torch::full({7}, static_cast<float>(r * 10 + 1));
    comm.broadcast(t, root);
    EXPECT_TRUE(torch::equal(t, torch::full({7}, static_cast<float>(root * 10 + 1)))) << "root " << root;
  }
  EXPECT_THROW(comm.broadcast(m, w), CommError);
  comm.barrier();
}

TEST(MpiCollectives, GradientAveragerTakesTheMaximaOverRanksAndAveragesTheRest) {
  MpiCommunicator comm(test::mpi_session());
  const int w = comm.world_size(), r = comm.rank();
  // Equal shards (weight 1 / w); rank r's statistics are {r + 1, 10 (r + 1), -r}, entries 1 and 2
  // maxima: the averaged entry is (w + 1) / 2, the maxima 10 w and 0 (exact in fp32).
  auto p = torch::full({3}, static_cast<float>(r)).requires_grad_();
  p.mutable_grad() = torch::full({3}, static_cast<float>(r));
  std::vector<at::Tensor> parameters{p};
  auto stats = torch::tensor({static_cast<float>(r + 1), 10.0f * (r + 1), -static_cast<float>(r)});
  GradientAverager(comm, 1.0 / w, MaximaRange::between(1, 2))(parameters, stats);
  EXPECT_FLOAT_EQ(stats[0].item<float>(), (w + 1) / 2.0f);
  EXPECT_EQ(stats[1].item<float>(), 10.0f * w);
  EXPECT_EQ(stats[2].item<float>(), 0.0f);
  EXPECT_TRUE(torch::allclose(p.grad(), torch::full({3}, (w - 1) / 2.0f)));
}

TEST(MpiCollectives, ANaNMaximumOnAnyRankIsNonFiniteOnEveryRank) {
  // MPI_MAX and NCCL's max compare with >, so a NaN may lose to a finite value depending on the
  // order the ranks are combined in: a rank whose samples went NaN must still stop every rank.
  MpiCommunicator comm(test::mpi_session());
  const int w = comm.world_size(), r = comm.rank();
  for (const int poisoned : {0, w - 1}) {
    auto p = torch::zeros({2}).requires_grad_();
    p.mutable_grad() = torch::zeros({2});
    std::vector<at::Tensor> parameters{p};
    auto stats = torch::tensor({1.0, r == poisoned ? std::nan("") : 2.0}, torch::kDouble);
    GradientAverager(comm, 1.0 / w, MaximaRange::between(1, 1))(parameters, stats);
    EXPECT_FALSE(std::isfinite(stats[1].item<double>())) << "NaN on rank " << poisoned << ", seen on rank " << r;
    EXPECT_FLOAT_EQ(stats[0].item<double>(), 1.0);  // through the fp32 sum of 1/w weights
  }
}

TEST(MpiCollectives, RejectsCudaOrStridedTensors) {
  MpiCommunicator comm(test::mpi_session());
  auto strided = torch::zeros({4, 4}).t();
  EXPECT_THROW(comm.all_reduce(strided, ReduceOp::Sum), CommError);
}

TEST(MpiCollectives, LeadingRowsOfTheGlobalBatchAreGatheredFromEveryRank) {
  MpiCommunicator comm(test::mpi_session());
  const int w = comm.world_size(), r = comm.rank();
  // A global batch of 10 rows of shape (2, 3), row g filled with g + 0.5, split as the trainer splits.
  const int64_t global = 10;
  const Shard shard = shard_of(global, r, w);
  const auto rows = (torch::arange(shard.offset, shard.offset + shard.count, torch::kFloat) + 0.5)
                        .view({-1, 1, 1}).expand({shard.count, 2, 3}).contiguous();
  for (const int64_t wanted : {1, 4, 7, 10, 64}) {
    const at::Tensor kept = gather_leading_rows(comm, rows, shard.offset, global, wanted);
    const int64_t n = std::min<int64_t>(wanted, global);
    const auto expected = (torch::arange(0, n, torch::kFloat) + 0.5).view({-1, 1, 1}).expand({n, 2, 3});
    EXPECT_TRUE(torch::equal(kept, expected)) << "wanted " << wanted << " on rank " << r;
  }
}

TEST(MpiSession, GatherCarriesStringsOfAnyLengthWhole) {
  const auto& s = test::mpi_session();
  // Rank r sends r * 700 characters (rank 0 an empty string): more than any fixed width.
  const auto text_of = [](int r) {
    std::string t;
    for (int i = 0; i < r * 700; ++i) t += static_cast<char>('a' + (i + r) % 26);
    return t;
  };
  const auto all = s.all_gather(text_of(s.rank()));
  ASSERT_EQ(static_cast<int>(all.size()), s.world_size());
  for (int r = 0; r < s.world_size(); ++r) EXPECT_EQ(all[r], text_of(r)) << "rank " << r;
}

TEST(MpiSession, GatherAndLocalRanks) {
  const auto& s = test::mpi_session();
  const auto names = s.all_gather("rank-" + std::to_string(s.rank()));
  ASSERT_EQ(static_cast<int>(names.size()), s.world_size());
  for (int r = 0; r < s.world_size(); ++r) EXPECT_EQ(names[r], "rank-" + std::to_string(r));
  // All ranks run on this one host: node-local ranks equal world ranks.
  EXPECT_EQ(s.local_size(), s.world_size());
  EXPECT_EQ(s.local_rank(), s.rank());
}

}  // namespace
}  // namespace srm
