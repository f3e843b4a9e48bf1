// Annealing schedule (see schedule.h).
#include "trainer/schedule.h"

#include <algorithm>

namespace srm {

Annealed annealed_at(const TrainConfig& train, int64_t iteration, int64_t horizon) {
  const double total = static_cast<double>(horizon > 0 ? horizon : train.iterations);
  const double start = train.anneal_start * total;
  const double last = total - 1;
  double progress = 0;  // 0 before the anneal, 1 at the last iteration
  if (train.anneal_start < 1.0 && iteration >= start)
    progress = last > start ? std::min(1.0, (iteration - start) / (last - start)) : 1.0;
  double warmup = 1;
  if (train.warmup > 0 && iteration < train.warmup)
    warmup = static_cast<double>(iteration + 1) / static_cast<double>(train.warmup);
  return {(train.lr + (train.lr_final - train.lr) * progress) * warmup,
          train.data_noise + (train.data_noise_final - train.data_noise) * progress};
}

}  // namespace srm
