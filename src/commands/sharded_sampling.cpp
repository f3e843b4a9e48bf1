// Sharded sample rounds (see sharded_sampling.h).
#include "commands/sharded_sampling.h"

#include <ATen/ATen.h>

#include "sampler/initial_distribution.h"
#include "sampler/sampler_settings.h"
#include "util/random.h"
#include "util/seed.h"

namespace srm {

void draw_sharded_samples(const TrainedModel& model, int rank, int world, int64_t total, uint64_t purpose,
                          const c10::Device& device, const std::function<void(const SampleRound&)>& on_round) {
  const int64_t round_size = std::max<int64_t>(model.config.train.batch_size, world);
  const LangevinSampler sampler(sampler_settings(model.config.sampler));
  const InitialDistribution init = initial_distribution(model.config.sampler);
  const auto seed = derive_seed(static_cast<uint64_t>(model.config.train.seed), purpose);
  NoiseStream noise(make_generator(device, derive_seed(seed, static_cast<uint64_t>(rank))));
  const auto options = at::TensorOptions().dtype(at::kFloat).device(device);
  for (int64_t start = 0; start < total;) {
    SampleRound round;
    round.start = start;
    round.rows = std::min(round_size, total - start);
    round.shard = shard_of(round.rows, rank, world);
    if (round.shard.count > 0)
      round.samples =
          sampler.run(*model.energy, draw_initial(init, round.shard.count, model.example_shape, noise, options), noise)
              .samples;
    on_round(round);
    start += round.rows;
  }
}

}  // namespace srm
