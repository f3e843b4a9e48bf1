// The configuration key table (see config_fields.h): ranges, choices and help per key.
#include "config/config_fields.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

namespace srm {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

ConfigField numeric(std::string key, FieldRef ref, double min, double max, std::string help) {
  ConfigField field;
  field.key = std::move(key);
  field.ref = ref;
  field.min = min;
  field.max = max;
  field.help = std::move(help);
  return field;
}

ConfigField text(std::string key, std::string* ref, std::vector<std::string> choices,
                 std::string help) {
  ConfigField field;
  field.key = std::move(key);
  field.ref = ref;
  field.choices = std::move(choices);
  field.help = std::move(help);
  return field;
}

ConfigField flag(std::string key, bool* ref, std::string help) {
  ConfigField field;
  field.key = std::move(key);
  field.ref = ref;
  field.help = std::move(help);
  return field;
}

std::string number_text(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{}", v);
}

}  // namespace

bool is_toy_dataset(const std::string& dataset) { return dataset == "rings" || dataset == "gmm"; }

std::string ConfigField::section() const { return key.substr(0, key.find('.')); }

std::string ConfigField::type_name() const {
  struct Visitor {
    std::string operator()(int64_t*) const { return "integer"; }
    std::string operator()(double*) const { return "number"; }
    std::string operator()(bool*) const { return "boolean"; }
    std::string operator()(std::string*) const { return "string"; }
  };
  return std::visit(Visitor{}, ref);
}

std::string ConfigField::allowed() const {
  if (std::holds_alternative<bool*>(ref)) return "true or false";
  if (std::holds_alternative<std::string*>(ref)) {
    if (choices.empty()) return "any string";
    return fmt::format("one of: {}", fmt::join(choices, ", "));
  }
  const std::string article = std::holds_alternative<int64_t*>(ref) ? "an integer" : "a number";
  return fmt::format("{} in [{}, {}]", article, number_text(min), number_text(max));
}

std::string ConfigField::value_text() const {
  struct Visitor {
    std::string operator()(int64_t* v) const { return std::to_string(*v); }
    std::string operator()(double* v) const { return fmt::format("{}", *v); }
    std::string operator()(bool* v) const { return *v ? "true" : "false"; }
    std::string operator()(std::string* v) const { return fmt::format("\"{}\"", *v); }
  };
  return std::visit(Visitor{}, ref);
}

std::vector<std::string> config_sections() {
  return {"data", "model", "sampler", "train", "output", "dist", "eval"};
}

std::vector<ConfigField> config_fields(Config& c) {
  const double big = 1e12;
  return {
      text("data.dataset", &c.data.dataset, {"rings", "gmm", "fashion_mnist", "cifar10", "hdf5"},
           "training data"),
      text("data.path", &c.data.path, {},
           "data file or folder (empty: Fashion-MNIST from the Debian package; required for "
           "cifar10 and hdf5)"),
      numeric("data.image_size", &c.data.image_size, 8, 256,
              "image side length; images are resized once at load (power of two)"),
      numeric("data.max_examples", &c.data.max_examples, 0, big,
              "use the first N examples only (0 = all)"),
      numeric("data.toy_examples", &c.data.toy_examples, 16, 1e8, "points of the 2-D toy data"),
      numeric("data.toy_noise", &c.data.toy_noise, 0, 1, "std of the 2-D toy data"),
      numeric("data.prefetch", &c.data.prefetch, 0, 64,
              "training batches read ahead on a background thread while the sampler runs "
              "(0 = read each batch in the training loop)"),

      text("model.type", &c.model.type, {"auto", "convnet", "mlp"},
           "energy network (auto: mlp for 2-D data, convnet for images)"),
      numeric("model.n_f", &c.model.n_f, 1, 4096, "feature maps of the first conv layer"),
      numeric("model.leaky_slope", &c.model.leaky_slope, 0, 1, "LeakyReLU negative slope"),
      numeric("model.max_channel_mult", &c.model.max_channel_mult, 1, 64,
              "cap on the channel multiplier of deep stride-2 layers"),
      flag("model.channels_last", &c.model.channels_last,
           "ConvNet weights and sampler chains in channels-last (NHWC) memory: the fast layout of "
           "oneDNN and cuDNN; values change only by float rounding"),
      numeric("model.mlp_hidden", &c.model.mlp_hidden, 1, 65536, "width of the MLP energy"),
      numeric("model.mlp_layers", &c.model.mlp_layers, 1, 64, "hidden layers of the MLP energy"),
      text("model.mlp_activation", &c.model.mlp_activation, {"leaky_relu", "silu"},
           "activation of the MLP energy (leaky_relu uses model.leaky_slope)"),
      flag("model.spectral_norm", &c.model.spectral_norm,
           "spectral normalisation of every conv / linear weight (W / sigma, one power iteration per training "
           "iteration; u, v saved in checkpoints)"),

      text("sampler.method", &c.sampler.method, {"langevin", "anila", "mala", "hmc"},
           "MCMC transition: Langevin, AniLA's anisotropic Langevin (sampler.anila_*), or the Metropolis-adjusted "
           "Langevin (MALA) and Hamiltonian Monte Carlo (HMC) samplers"),
      numeric("sampler.steps", &c.sampler.steps, 0, 100000, "K, Langevin steps (MALA / HMC: transitions) per chain"),
      numeric("sampler.step_size", &c.sampler.step_size, 0, kInf,
              "drift coefficient s in x += s*df/dx + noise*N(0,I) (HMC: the leapfrog step size)"),
      numeric("sampler.noise", &c.sampler.noise, 0, kInf,
              "noise scale of each Langevin step (MALA: of the proposal; HMC does not use it)"),
      text("sampler.init", &c.sampler.init, {"uniform", "gaussian", "data", "persistent"},
           "where chains start: p0 uniform on [-s,s], Gaussian N(0, s^2 I) (s = sampler.init_scale), the observed batch with data noise "
           "(contrastive divergence), or a replay buffer of earlier chains (persistent); the last two in training only"),
      numeric("sampler.init_scale", &c.sampler.init_scale, 0, 1e6,
              "p0's scale s: uniform on [-s,s] or Gaussian N(0, s^2 I); 1 is the paper's uniform [-1,1] (with init "
              "= data or persistent: of the uniform p0 of fresh chains, the replay buffer's fills and restarts and the "
              "long-run check's)"),
      numeric("sampler.buffer_size", &c.sampler.buffer_size, 1, 1e9,
              "persistent: replay-buffer examples per rank (with dist.chain_seeding=global_index: in all, replicated "
              "on every rank); at least the chains of one iteration"),
      numeric("sampler.reinit_prob", &c.sampler.reinit_prob, 0, 1,
              "persistent: probability that a chain restarts from uniform p0 instead of its buffer entry"),
      numeric("sampler.hmc_leapfrog", &c.sampler.hmc_leapfrog, 1, 10000,
              "HMC: leapfrog steps per transition (unit mass, momentum refreshed every transition)"),
      numeric("sampler.grad_clip", &c.sampler.grad_clip, 0, kInf,
              "Langevin / AniLA: clip each chain's df/dx to this L2 norm before the step (0 = off)"),
      numeric("sampler.clamp", &c.sampler.clamp, 0, kInf,
              "Langevin / AniLA: clamp every coordinate of the chains to [-clamp, clamp] after each step "
              "(0 = off; 1 = the image data's range)"),
      numeric("sampler.anila_b", &c.sampler.anila_b, 1e-12, kInf,
              "AniLA threshold b: gamma = b / max(b, |df/dx|)"),
      text("sampler.anila_granularity", &c.sampler.anila_granularity, {"coordinate", "pixel", "sample"},
           "AniLA: |df/dx| per coordinate (the draft's equations), per pixel (norm over channels) or "
           "per sample (norm over the example)"),
      text("sampler.anila_scaling", &c.sampler.anila_scaling, {"drift_and_noise", "noise_only"},
           "AniLA: gamma scales the drift and sqrt(gamma) the noise (the equations), or gamma the noise only"),
      text("sampler.precision", &c.sampler.precision, {"fp32", "tf32", "bf16"},
           "arithmetic of the sampler's K passes: fp32, TF32 tensor cores (GPU), or bfloat16 passes with "
           "fp32 chains (parameter gradients stay fp32)"),

      numeric("train.iterations", &c.train.iterations, 1, big, "parameter updates T"),
      numeric("train.batch_size", &c.train.batch_size, 1, 1e7,
              "global batch m (observed and synthesized examples each)"),
      numeric("train.lr", &c.train.lr, 0, 10, "Adam learning rate"),
      numeric("train.beta1", &c.train.beta1, 0, 0.999999, "Adam beta1"),
      numeric("train.beta2", &c.train.beta2, 0, 0.999999999, "Adam beta2"),
      numeric("train.adam_eps", &c.train.adam_eps, 0, 1, "Adam epsilon"),
      numeric("train.data_noise", &c.train.data_noise, 0, 10,
              "sigma of Gaussian noise added to observed examples"),
      numeric("train.anneal_start", &c.train.anneal_start, 0, 1,
              "fraction of training after which lr and data_noise decay linearly (1 = never)"),
      numeric("train.lr_final", &c.train.lr_final, 0, 10, "learning rate at the last iteration"),
      numeric("train.data_noise_final", &c.train.data_noise_final, 0, 10,
              "data noise at the last iteration"),
      numeric("train.seed", &c.train.seed, 0, 9.2e18, "seed of all random streams"),
      text("train.device", &c.train.device, {"auto", "cpu", "cuda"},
           "where to train (auto: cuda when a GPU is visible)"),
      numeric("train.threads", &c.train.threads, 0, 1024,
              "CPU threads per rank (0 = LibTorch's default)"),
      flag("train.cudnn_benchmark", &c.train.cudnn_benchmark,
           "GPU: cuDNN times its convolution algorithms once per shape and keeps the fastest"),
      numeric("train.ema", &c.train.ema, 0, 0.999999999,
              "decay of an exponential moving average of the weights, updated after every Adam step; the "
              "generator commands and evaluation use it (0 = off)"),
      numeric("train.energy_l2", &c.train.energy_l2, 0, 1e6,
              "alpha of the energy-magnitude penalty alpha * (mean f(x+)^2 + mean f(x-)^2) in the loss (0 = off)"),
      numeric("train.grad_clip", &c.train.grad_clip, 0, kInf,
              "largest global L2 norm of the averaged parameter gradient; larger ones are scaled down to it "
              "(0 = off)"),
      numeric("train.warmup", &c.train.warmup, 0, big,
              "iterations of linear learning-rate warm-up: update i uses (i + 1) / warmup of the scheduled lr "
              "(0 = off)"),
      numeric("train.weight_decay", &c.train.weight_decay, 0, 10,
              "Adam's L2 penalty, added to the gradient before the moments (torch.optim.Adam's weight_decay)"),
      numeric("train.divergence_energy", &c.train.divergence_energy, 0, kInf,
              "divergence when |mean f(x+)| or |mean f(x-)| exceeds this (0 = only non-finite values)"),
      numeric("train.divergence_samples", &c.train.divergence_samples, 0, kInf,
              "divergence when max |x-| exceeds this many times max(1, max |x| of the observed batch) (0 = off)"),
      numeric("train.divergence_grad_jump", &c.train.divergence_grad_jump, 0, 1e6,
              "divergence (a collapse) when the median ||df/dx|| along the chains over the last 20 iterations "
              "reaches this many times its median over the 200 before them, or its square times the median over "
              "the 200 that ended 2000 iterations earlier (0 = off; otherwise above 1)"),
      text("train.on_divergence", &c.train.on_divergence, {"stop", "rewind"},
           "on divergence: stop with an error, or rewind to the newest checkpoint with the learning rate "
           "scaled by train.rewind_lr_factor and the offending batches skipped"),
      numeric("train.rewind_lr_factor", &c.train.rewind_lr_factor, 1e-6, 1,
              "factor on the learning rate at every rewind"),
      numeric("train.max_rewinds", &c.train.max_rewinds, 0, 1e6,
              "rewinds allowed in a run; the next divergence stops it"),
      numeric("train.longrun_every", &c.train.longrun_every, 0, big,
              "iterations between long-run checks: chains run longrun_steps beyond K and their energy is compared "
              "with the data's (0 = off)"),
      numeric("train.longrun_steps", &c.train.longrun_steps, 1, big, "long-run check: sampler steps beyond K"),
      numeric("train.longrun_chains", &c.train.longrun_chains, 1, 1e5,
              "long-run check: chains, over all ranks (each rank runs its share as one batch)"),

      text("output.dir", &c.output.dir, {}, "run directory (empty: runs/<dataset>-<UTC date-time>)"),
      numeric("output.log_every", &c.output.log_every, 1, big, "iterations between progress lines"),
      numeric("output.sample_every", &c.output.sample_every, 1, big,
              "iterations between stored sample batches"),
      numeric("output.checkpoint_every", &c.output.checkpoint_every, 1, big,
              "iterations between checkpoints (also written when a stop signal arrives)"),
      numeric("output.checkpoints_kept", &c.output.checkpoints_kept, 1, 1e6,
              "complete checkpoint files kept in <output.dir>/checkpoints"),
      numeric("output.samples_kept", &c.output.samples_kept, 1, 100000,
              "samples per stored batch and PNG grid: the first of the global batch, gathered from every "
              "rank (at most train.batch_size)"),
      flag("output.overwrite", &c.output.overwrite,
           "replace an existing run in output.dir instead of refusing to start"),
      flag("output.tensorboard", &c.output.tensorboard,
           "write TensorBoard event files to output.dir/tb (tensorboard --logdir runs/)"),
      text("output.resume", &c.output.resume, {"never", "auto", "require"},
           "continue the run in output.dir from its newest usable checkpoint (auto: when one "
           "exists; require: fail when none does; --resume sets require)"),

      text("dist.backend", &c.dist.backend, {"auto", "single", "mpi", "nccl"},
           "gradient communication (auto: single for one rank, nccl on CUDA, mpi on CPU)"),
      text("dist.chain_seeding", &c.dist.chain_seeding, {"rank", "global_index"},
           "chain noise: per-rank streams, or keyed to the global sample index (W ranks "
           "reproduce the 1-rank run; costs the global batch's random draws on every rank)"),
      numeric("dist.check_every", &c.dist.check_every, 0, 1e12,
              "iterations between cross-rank parameter checksums (0 = never)"),
      numeric("dist.timeout", &c.dist.timeout, 0, 1e9,
              "seconds an iteration may take before the job is ended as hung (0 = never)"),

      numeric("eval.every", &c.eval.every, 0, big,
              "iterations between training-time FID/KID (0 = off); rows go to the archive's /eval table"),
      numeric("eval.samples", &c.eval.samples, 2, 1e7,
              "samples drawn per evaluation (split over ranks) and reference examples compared with them"),
      text("eval.features", &c.eval.features, {},
           "feature extractor: inception (the standard FID Inception-v3, see docs/generator.md) or a TorchScript "
           "file"),
      text("eval.reference", &c.eval.reference, {},
           "what samples are compared with: empty = the training data, or a statistics .npz (FID only) or an "
           "image set file"),
  };
}

}  // namespace srm
