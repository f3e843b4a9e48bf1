// The configuration tree of srm-dist. The default member initialisers ARE the documented
// defaults: `srm-dist --help` and the shipped configs are generated/checked against them.
// Validation and the key table live in config_fields.h; loading in config_loader.h.
#pragma once

#include <cstdint>
#include <string>

namespace srm {

struct DataConfig {
  std::string dataset = "rings";  // rings | gmm | fashion_mnist | cifar10 | hdf5
  std::string path;               // file or folder; empty = the dataset's default location
  int64_t image_size = 32;        // images are resized (once, at load) to this side length
  int64_t max_examples = 0;       // use only the first N examples (0 = all)
  int64_t toy_examples = 20000;   // points drawn for the 2-D toy datasets
  double toy_noise = 0.02;        // std of the toy data around its rings / mixture centres
  int64_t prefetch = 2;           // batches read ahead on a background thread (0 = in the loop)
};

struct ModelConfig {
  std::string type = "auto";  // auto (mlp for 2-D data, convnet for images) | convnet | mlp
  int64_t n_f = 64;           // feature maps of the first conv layer (paper's n_f)
  double leaky_slope = 0.2;   // LeakyReLU negative slope (paper: 0.2)
  int64_t max_channel_mult = 8;  // channels of stride-2 layer i: n_f * min(2^i, this)
  bool channels_last = true;  // ConvNet weights and chains in NHWC memory (faster kernels)
  int64_t mlp_hidden = 128;   // width of the MLP energy (2-D data)
  int64_t mlp_layers = 3;     // hidden layers of the MLP energy
  std::string mlp_activation = "leaky_relu";  // leaky_relu (slope leaky_slope) | silu
  // Spectral normalisation of every conv / linear weight (W / sigma(W), one power iteration
  // per training iteration; model/spectral_norm.h).
  bool spectral_norm = false;
};

struct SamplerConfig {
  // langevin | anila (anisotropic step, anisotropic_step.h) | mala | hmc (Metropolis-adjusted,
  // sampler/metropolis.h)
  std::string method = "langevin";
  int64_t steps = 100;              // K
  // x <- x + step_size * df/dx + noise * N(0, I). The paper's eq. (4) with time step dt is
  // step_size = dt/2, noise = sqrt(dt); its public code uses step_size 1, noise 0.01.
  double step_size = 1.0;
  double noise = 0.01;
  // p0: uniform on [-s,s] | gaussian N(0, s² I), s = init_scale | data (the observed batch with train.data_noise:
  // contrastive divergence, CD-K) | persistent (a replay buffer, sampler/replay_buffer.h)
  std::string init = "uniform";
  // p0's scale s: uniform on [-s, s], gaussian N(0, s² I) (match it to the data's spread)
  double init_scale = 1.0;
  int64_t buffer_size = 10000;  // persistent: examples per rank (global_index seeding: in all)
  double reinit_prob = 0.05;    // persistent: chance that a chain restarts from uniform p0
  int64_t hmc_leapfrog = 10;  // HMC: leapfrog steps of size step_size per transition
  double grad_clip = 0;       // Langevin / AniLA: clip each chain's df/dx to this L2 norm (0 = off)
  // Langevin / AniLA: after every step, clamp each coordinate to [-clamp, clamp] (0 = off; the
  // image data lie in [-1, 1], so 1 keeps the chains in the data range, as Du & Mordatch 2019 do)
  double clamp = 0;
  // AniLA: gamma = anila_b / max(anila_b, |df/dx|) per coordinate | pixel | sample, scaling
  // drift and noise (gamma, sqrt(gamma): the draft's eq. 6) or the noise only (gamma).
  double anila_b = 1.0;
  std::string anila_granularity = "coordinate";
  std::string anila_scaling = "drift_and_noise";
  std::string precision = "fp32";  // of the K passes: fp32 | tf32 | bf16 (sampler_precision.h)
};

struct TrainConfig {
  int64_t iterations = 2000;
  int64_t batch_size = 64;    // global batch m (split over ranks)
  double lr = 1e-4;           // Adam learning rate
  double beta1 = 0.9;
  double beta2 = 0.999;
  double adam_eps = 1e-8;
  double data_noise = 0.03;   // sigma of the noise added to observed examples
  // Annealing (paper 5.1): from anneal_start * iterations on, lr and data_noise decay
  // linearly to lr_final and data_noise_final at the last iteration. 1 = no annealing.
  double anneal_start = 1.0;
  double lr_final = 1e-5;
  double data_noise_final = 0.01;
  int64_t seed = 1;
  std::string device = "auto";  // auto | cpu | cuda
  int64_t threads = 0;          // CPU intra-op threads (0 = LibTorch's default)
  bool cudnn_benchmark = true;  // GPU: let cuDNN time its algorithms for each shape once
  // Stabilisers (trainer/stabilisers.h). 0 = off for each.
  double ema = 0;             // decay of the exponential moving average of the weights
  double energy_l2 = 0;       // alpha: + alpha * (mean f(x+)^2 + mean f(x-)^2) in the loss
  double grad_clip = 0;       // max global L2 norm of the averaged parameter gradient
  int64_t warmup = 0;         // iterations of linear learning-rate warm-up from 0
  double weight_decay = 0;    // Adam's L2 penalty (coupled: added to the gradient, torch's Adam)
  // Divergence (trainer/divergence.h): non-finite statistics always; |mean f| above
  // divergence_energy; max |x-| above divergence_samples times the observed batch's max |x|;
  // the median ||df/dx|| of the last 20 iterations reaching divergence_grad_jump times that of the
  // 200 before, or its square times that of the 200 ending 2,000 earlier (a collapse at bounded
  // values, trainer/gradient_jump.h).
  double divergence_energy = 1e8;
  double divergence_samples = 1e4;
  double divergence_grad_jump = 4;  // 0 = off; otherwise > 1
  std::string on_divergence = "stop";  // stop | rewind (to the newest checkpoint, lr scaled)
  double rewind_lr_factor = 0.5;
  int64_t max_rewinds = 5;
  // The long-run check (trainer/longrun_check.h): every longrun_every iterations (0 = off),
  // longrun_chains chains in all run longrun_steps sampler steps beyond K.
  int64_t longrun_every = 0;
  int64_t longrun_steps = 1000;
  int64_t longrun_chains = 64;
};

struct OutputConfig {
  std::string dir;                 // run directory; empty = runs/<dataset>-<UTC date-time>
  int64_t log_every = 10;          // progress line and metrics flush
  int64_t sample_every = 100;      // sample batch into the archive + PNG grid
  int64_t checkpoint_every = 500;  // resumable checkpoint + parameters into the archive
  int64_t checkpoints_kept = 3;    // complete checkpoint files kept in <dir>/checkpoints
  int64_t samples_kept = 64;       // how many samples of a batch are stored / drawn
  bool overwrite = false;          // reuse a run directory that already holds an archive
  bool tensorboard = true;         // TensorBoard event files in <dir>/tb (rank 0)
  // never: always a new run | auto: continue from the newest usable checkpoint in output.dir
  // when there is one, else start | require: continue, or fail when there is nothing to resume
  std::string resume = "never";
};

struct DistConfig {
  std::string backend = "auto";          // auto | single | mpi | nccl
  std::string chain_seeding = "rank";    // rank | global_index
  int64_t check_every = 100;             // parameter checksum across ranks (0 = never)
  double timeout = 1800;                 // seconds without an iteration before the job is ended
};

// Training-time FID/KID (eval/training_evaluation.h): every `every` iterations all ranks draw
// their share of `samples` from the current model and compare them with the reference.
struct EvalConfig {
  int64_t every = 0;                  // iterations between evaluations (0 = off)
  int64_t samples = 1000;             // N, split over the ranks; the reference uses N examples too
  std::string features = "inception"; // inception (the standard FID Inception) | PATH.pt (TorchScript)
  std::string reference;              // empty: the training data | FILE.npz (FID only) | an image set
};

struct Config {
  DataConfig data;
  ModelConfig model;
  SamplerConfig sampler;
  TrainConfig train;
  OutputConfig output;
  DistConfig dist;
  EvalConfig eval;
};

// True for the 2-D point datasets (which use the MLP energy by default).
bool is_toy_dataset(const std::string& dataset);

}  // namespace srm
