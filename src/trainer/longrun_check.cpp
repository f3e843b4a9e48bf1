// The training-time long-run check (see longrun_check.h).
#include "trainer/longrun_check.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <cmath>
#include <limits>

#include "sampler/initial_distribution.h"
#include "sampler/langevin.h"
#include "sampler/noise_stream.h"
#include "sampler/sampler_settings.h"
#include "util/random.h"
#include "util/seed.h"

namespace srm {
namespace {

enum Sum { kDataEnergy, kDataCount, kShortEnergy, kLongEnergy, kLongGradNorm, kChains, kSums };

double summed_energy(EnergyNet& energy, const at::Tensor& x) {
  const torch::NoGradGuard no_grad;
  return energy.forward(x).to(at::kDouble).sum().item<double>();
}

}  // namespace

LongrunRow longrun_check(EnergyNet& energy, const Config& config, const std::vector<int64_t>& example_shape,
                         const at::Tensor& observed, int64_t iteration, const c10::Device& device,
                         Communicator& comm) {
  const int rank = comm.rank(), world = comm.world_size();
  const int64_t total = config.train.longrun_chains;
  const int64_t mine = total / world + (rank < total % world ? 1 : 0);
  std::vector<double> sums(kSums, 0.0);
  double abs_max = 0;
  sums[kDataEnergy] = summed_energy(energy, observed);
  sums[kDataCount] = static_cast<double>(observed.size(0));
  if (mine > 0) {
    const uint64_t purpose = derive_seed(derive_seed(static_cast<uint64_t>(config.train.seed), 0x4C52554E /* "LRUN" */),
                                         static_cast<uint64_t>(iteration));
    NoiseStream noise(make_generator(device, derive_seed(purpose, static_cast<uint64_t>(rank))));
    const InitialDistribution init = noise_initial_distribution(config.sampler);  // fresh chains from p0
    LangevinSettings settings = sampler_settings(config.sampler);
    at::Tensor x = draw_initial(init, mine, example_shape, noise, at::TensorOptions().dtype(at::kFloat).device(device));
    x = LangevinSampler(settings).run(energy, x, noise).samples;
    sums[kShortEnergy] = summed_energy(energy, x);
    settings.steps = config.train.longrun_steps;
    x = LangevinSampler(settings).run(energy, x, noise).samples;
    sums[kLongEnergy] = summed_energy(energy, x);
    {
      const torch::NoGradGuard no_grad;
      sums[kLongGradNorm] = energy.input_gradient(x).flatten(1).norm(2, {1}).to(at::kDouble).sum().item<double>();
    }
    sums[kChains] = static_cast<double>(mine);
    abs_max = x.abs().max().item<double>();
  }
  at::Tensor reduced = at::tensor(sums, at::kDouble).to(comm.device());
  // NaN -> +inf: MPI_MAX and NCCL compare with >, so a NaN could lose to another rank's value.
  if (std::isnan(abs_max)) abs_max = std::numeric_limits<double>::infinity();
  at::Tensor largest = at::tensor({abs_max}, at::kDouble).to(comm.device());
  if (world > 1) {
    comm.all_reduce(reduced, ReduceOp::Sum);
    comm.all_reduce(largest, ReduceOp::Max);
  }
  reduced = reduced.to(at::kCPU);
  const double* s = reduced.data_ptr<double>();
  LongrunRow row;
  row.iteration = iteration;
  row.chains = total;
  row.steps = config.train.longrun_steps;
  row.data_energy = s[kDataEnergy] / s[kDataCount];
  row.short_run_energy = s[kShortEnergy] / s[kChains];
  row.long_run_energy = s[kLongEnergy] / s[kChains];
  row.long_run_grad_norm = s[kLongGradNorm] / s[kChains];
  row.long_run_abs_max = largest.to(at::kCPU).item<double>();
  return row;
}

std::string describe_longrun(const LongrunRow& row) {
  return fmt::format("long-run check at iteration {}: f of {} chains after K + {} steps {:+.4g} (after K: {:+.4g}, "
                     "data: {:+.4g}; |df/dx| {:.3g}, max |x| {:.3g}): {}",
                     row.iteration, row.chains, row.steps, row.long_run_energy, row.short_run_energy, row.data_energy,
                     row.long_run_grad_norm, row.long_run_abs_max,
                     diverged(row)        ? "diverged (non-finite energies or chains: the energy has no finite long-run "
                                            "behaviour; lower sampler.step_size or add train.energy_l2)"
                     : oversaturated(row) ? "rises above the data's (oversaturation: not a valid density of the data)"
                                          : "stays at or below the data's");
}

}  // namespace srm
