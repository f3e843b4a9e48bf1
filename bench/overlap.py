"""Time split of `srm-dist bench` with and without the overlap machinery, alternating in one
session: the prefetching loader (data.prefetch 2 against 0) on an HDF5 image set of 128x128 RGB
images made here with h5py (gzip'd one image per chunk, as srm-prepare-images writes them), and
the writer thread's share of samples + checkpoint written every iteration.

    ~/.local/share/srm-dist/venv/bin/python bench/overlap.py [--binary build/src/srm-dist] [--repeats 2]
"""
import argparse
import os
import re
import statistics
import subprocess

import h5py
import numpy as np

ROWS = ["data", "sampler (K steps)", "parameter gradient", "I/O (archive, PNG)", "checkpoint", "total"]


def make_image_set(path, count=1024, size=128):
    """Smooth random RGB images (they compress like photos, unlike white noise)."""
    if os.path.exists(path):
        return
    rng = np.random.default_rng(0)
    with h5py.File(path + ".partial", "w") as f:
        images = f.create_dataset("images", (count, 3, size, size), dtype="u1", chunks=(1, 3, size, size),
                                  compression="gzip", compression_opts=4, shuffle=True)
        for start in range(0, count, 128):
            low = rng.integers(0, 255, (128, 3, size // 8, size // 8)).astype(np.float32)
            block = np.repeat(np.repeat(low, 8, axis=2), 8, axis=3) + rng.normal(0, 8, (128, 3, size, size))
            images[start:start + 128] = np.clip(block, 0, 255).astype("u1")
    os.replace(path + ".partial", path)


def split(binary, args):
    out = subprocess.run([binary, "bench", *args, "--set", "output.dir=/tmp/srm-bench-overlap",
                          "--set", "output.overwrite=true"], capture_output=True, text=True, check=True).stdout
    times = {row: float(re.search(re.escape(row) + r"\s+([\d.]+) ms", out).group(1)) for row in ROWS}
    writer = re.search(r"background writer .*?: ([\d.]+) ms per iteration", out)
    times["writer thread"] = float(writer.group(1)) if writer else 0.0
    return times


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default="build/src/srm-dist")
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--images", default="/tmp/srm-bench-overlap-128.h5")
    a = p.parse_args()
    make_image_set(a.images)
    base = ["--config", "configs/celeba128.yaml", "--set", f"data.path={a.images}", "--set", "model.n_f=16",
            "--set", "sampler.steps=2", "--set", "train.batch_size=64", "--set", "train.iterations=11",
            "--set", "output.sample_every=1", "--set", "output.checkpoint_every=1"]
    settings = {"data.prefetch=0": ["--set", "data.prefetch=0"], "data.prefetch=2": ["--set", "data.prefetch=2"]}
    runs = {name: [] for name in settings}
    for _ in range(a.repeats):  # alternate, so drift in the machine hits both alike
        for name, extra in settings.items():
            runs[name].append(split(a.binary, base + extra))
    columns = ROWS + ["writer thread"]
    print("celeba128 layout at n_f 16, K = 2, batch 64, 128x128 RGB from HDF5, samples + checkpoint every "
          f"iteration; medians of {a.repeats}, ms per iteration (I/O and checkpoint: the training thread's share)")
    print("| setting | " + " | ".join(columns) + " |")
    print("| --- |" + " ---: |" * len(columns))
    for name, samples in runs.items():
        cells = [f"{statistics.median(s[c] for s in samples):.2f}" for c in columns]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
