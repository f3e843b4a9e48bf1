#!/bin/bash
# The measurement of docs/stabilisers.md: fashion_mnist_quick.yaml (300 iterations) with and without
# the EMA weights and spectral normalisation, two seeds each, FID of 500 samples against the
# statistics of 1,000 Fashion-MNIST test images in the standard Inception's features (a .npz
# reference has no features, so no KID); then the 1,450-iteration run of issue 18 with today's
# defaults (which stops at the divergence check), with train.on_divergence=rewind (the default
# bound and 1e4), and with train.energy_l2=0.01. Run from the repository root after building
# (about 90 minutes on a 2-core CPU); results in OUT
# (default /tmp/stab): <name>.yaml (eval's report), <name>.log (training log), summary.txt.
set -euo pipefail
S=$(realpath "${SRM_DIST:-build/src/srm-dist}")
CONFIG=$(realpath configs/fashion_mnist_quick.yaml)
OUT=${1:-/tmp/stab}
T10K=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
mkdir -p "$OUT" && cd "$OUT"
[ -f ref1000.npz ] || "$S" fid $T10K -n 1000 --save-stats ref1000.npz > ref1000.yaml 2> ref1000.log

train_and_eval() {  # name, then --set overrides
  local name=$1; shift
  local sets=()
  for s in "$@"; do sets+=(--set "$s"); done
  local start=$SECONDS
  "$S" --config "$CONFIG" --set output.dir="$OUT/$name" --set output.overwrite=true "${sets[@]}" > "$name.log" 2>&1 ||
    echo "$name: training exited $?" >> summary.txt
  local trained=$((SECONDS - start))
  if [ -d "$OUT/$name/checkpoints" ]; then
    "$S" eval "$OUT/$name" -n 500 --reference ref1000.npz > "$name.yaml" 2> "$name.eval.log" || true
  fi
  echo "$name: ${trained}s training; $(grep -E '^ *(fid|kid):' "$name.yaml" 2>/dev/null | tr -s ' \n' ' ')" \
       "$(grep -m1 -E 'diverged|done:' "$name.log" | cut -c1-200)" >> summary.txt
}

for seed in 1 2; do
  train_and_eval default_s$seed train.seed=$seed
  train_and_eval ema_s$seed train.seed=$seed train.ema=0.99
  train_and_eval sn_s$seed train.seed=$seed model.spectral_norm=true
  train_and_eval ema_sn_s$seed train.seed=$seed train.ema=0.99 model.spectral_norm=true
done
train_and_eval long_default train.iterations=1450
train_and_eval long_rewind train.iterations=1450 train.on_divergence=rewind
train_and_eval long_rewind_1e4 train.iterations=1450 train.on_divergence=rewind train.divergence_energy=10000
train_and_eval long_l2 train.iterations=1450 train.energy_l2=0.01
cat summary.txt
