#!/bin/bash
# The measurement of docs/generator.md, "Standard FID and KID at N = 2,000": a default
# fashion_mnist_quick.yaml run, then FID/KID of its samples, of uniform noise and of training images
# against 2,000 test images. Run from the repository root after building (about 80 minutes on
# a 2-core CPU); results in OUT (default /tmp/meas): *_vs_test.yaml, *.log with /usr/bin/time -v.
set -euxo pipefail
S=$(realpath "${SRM_DIST:-build/src/srm-dist}")
CONFIG=$(realpath configs/fashion_mnist_quick.yaml)
OUT=${1:-/tmp/meas}
T10K=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
TRAIN=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
mkdir -p "$OUT" && cd "$OUT"
/usr/bin/time -v "$S" --config "$CONFIG" --set output.dir="$OUT/fm" > train.log 2>&1
/usr/bin/time -v "$S" eval "$OUT/fm" -n 2000 --reference $T10K -o "$OUT/fm_vs_test" > eval_trained.log 2>&1
ref=$(ls "$OUT"/fm/eval_cache/reference_*.npz | head -1)   # the 2,000 test images' features
/usr/bin/time -v "$S" eval "$OUT/fm" -n 2000 --reference $T10K --set sampler.steps=0 -o "$OUT/noise_vs_test" \
  > eval_noise.log 2>&1
/usr/bin/time -v "$S" fid $TRAIN "$ref" -n 2000 -o "$OUT/train_vs_test" > fid_floor.log 2>&1
