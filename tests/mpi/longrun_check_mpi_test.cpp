// The training-time long-run check over 2 and 3 ranks: the chains are split over the ranks and
// every rank ends with the same row: the exact shard-weighted data energy, the chain count, and
// the Gaussian's closed-form stationary energy within its statistical tolerance; chains that go
// NaN on one rank make every rank's row diverged.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "comm/mpi_communicator.h"
#include "mpi/mpi_test_session.h"
#include "trainer/longrun_check.h"
#include "unit/test_energies.h"

namespace srm {
namespace {

TEST(MultiRankLongrunCheck, ChainsAreSplitAndTheRowIsTheSameOnEveryRank) {
  MpiCommunicator comm(test::mpi_session());
  const int w = comm.world_size(), r = comm.rank();
  const double var = 0.25, s = 0.005, n = 0.1, a = 1 - s / var, v = n * n / (1 - a * a);
  test::IsotropicGaussian energy(var);
  Config config;
  config.sampler.steps = 5;
  config.sampler.step_size = s;
  config.sampler.noise = n;
  config.train.longrun_chains = 4001;  // not a multiple of 2 or 3
  config.train.longrun_steps = 1000;
  // Rank r observes r + 1 copies of (r + 1, 0): f = -(r + 1)^2 / (2 var) each.
  const auto observed = torch::tensor({static_cast<float>(r + 1), 0.0f}).repeat({r + 1, 1});
  const LongrunRow row = longrun_check(energy, config, {2}, observed, 3, torch::kCPU, comm);
  double weighted = 0, count = 0;
  for (int k = 1; k <= w; ++k) {
    weighted += k * (-k * k / (2 * var));
    count += k;
  }
  EXPECT_NEAR(row.data_energy, weighted / count, 1e-12);
  EXPECT_EQ(row.chains, 4001);
  EXPECT_NEAR(row.long_run_energy, -2 * v / (2 * var), 0.07);  // as the one-process test
  // Every rank holds the same row.
  auto mine = torch::tensor({row.data_energy, row.short_run_energy, row.long_run_energy, row.long_run_grad_norm,
                             row.long_run_abs_max}, torch::kDouble);
  auto largest = mine.clone();
  comm.all_reduce(largest, ReduceOp::Max);
  EXPECT_TRUE(torch::equal(mine, largest)) << "rank " << r;
}

TEST(MultiRankLongrunCheck, ChainsThatWentNaNOnOneRankMakeEveryRanksRowDiverged) {
  // MPI_MAX compares with >, so one rank's NaN max |x| could lose to another's finite one: the
  // check turns it into +inf first, and every rank's row says the chains left the finite range.
  MpiCommunicator comm(test::mpi_session());
  const int w = comm.world_size(), r = comm.rank();
  Config config;
  config.sampler.steps = 2;
  config.train.longrun_chains = 3 * w;
  config.train.longrun_steps = 3;
  const auto observed = torch::zeros({2, 2});
  for (const int poisoned : {0, w - 1}) {
    test::IsotropicGaussian gaussian(0.25);
    test::NanEnergy nan_energy;
    EnergyNet& energy = r == poisoned ? static_cast<EnergyNet&>(nan_energy) : gaussian;
    const LongrunRow row = longrun_check(energy, config, {2}, observed, 1, torch::kCPU, comm);
    EXPECT_TRUE(diverged(row)) << "NaN on rank " << poisoned << ", seen on rank " << r;
    EXPECT_FALSE(std::isfinite(row.long_run_abs_max)) << "NaN on rank " << poisoned << ", seen on rank " << r;
  }
}

}  // namespace
}  // namespace srm
