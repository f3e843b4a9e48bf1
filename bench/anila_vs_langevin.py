"""Langevin vs AniLA on the 2-D rings (the AniLA draft's Figure 1 setting): train the same
model with each sampler at several K, score the final short-run samples, and report the
smallest K at which each reaches the quality threshold.

    /usr/bin/python3 bench/anila_vs_langevin.py [--binary build/src/srm-dist] [--iterations 1500]

Quality: the share of the final batch's 256 samples within 0.05 of one of the rings (radii
0.25, 0.5, 0.75); uniform noise scores 0.236; the threshold is 0.45 (the end-to-end test's when
this was measured). The runs use the paper's pairing and uniform p0 (bench/rings_paper_pairing.py).
Needs h5py and numpy: Debian's /usr/bin/python3 with python3-h5py, or the venv's python.
"""
import argparse
import os
import subprocess
import tempfile
import time

import h5py
import numpy as np

from rings_paper_pairing import PAPER_PAIRING

VARIANTS = {
    "langevin": ["--set", "sampler.method=langevin"],
    # gamma = b / max(b, |df/dx|): with b below the typical |df/dx| the drift is clipped, so a
    # larger base step is affordable; both AniLA rows use step 2 and b = 0.01.
    "anila-sample": ["--set", "sampler.method=anila", "--set", "sampler.anila_granularity=sample",
                     "--set", "sampler.anila_b=0.01", "--set", "sampler.step_size=2"],
    "anila-coordinate": ["--set", "sampler.method=anila", "--set", "sampler.anila_granularity=coordinate",
                         "--set", "sampler.anila_b=0.01", "--set", "sampler.step_size=2"],
    # b = 0.05 rarely clips at this scale: close to Langevin, for reference.
    "anila-sample-b0.05": ["--set", "sampler.method=anila", "--set", "sampler.anila_granularity=sample",
                           "--set", "sampler.anila_b=0.05", "--set", "sampler.step_size=1"],
}


def on_ring_share(points):
    r = np.linalg.norm(points, axis=1)
    return float((np.min(np.abs(r[:, None] - np.array([0.25, 0.5, 0.75])[None]), axis=1) < 0.05).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default="build/src/srm-dist")
    parser.add_argument("--config", default="configs/rings.yaml")
    parser.add_argument("--iterations", type=int, default=1500)
    parser.add_argument("--steps", default="2,5,10,20,40")
    parser.add_argument("--threshold", type=float, default=0.45)
    args = parser.parse_args()
    ks = [int(k) for k in args.steps.split(",")]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, extra in VARIANTS.items():
            for k in ks:
                out = os.path.join(tmp, f"{name}-{k}")
                start = time.time()
                subprocess.run([args.binary, "--config", args.config, "--set", f"output.dir={out}",
                                "--set", f"train.iterations={args.iterations}", "--set", f"sampler.steps={k}",
                                "--set", "train.threads=2",
                                *[arg for s in PAPER_PAIRING if not s.startswith("train.iterations=") for arg in ("--set", s)],
                                *extra],
                               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                with h5py.File(os.path.join(out, "archive.h5"), "r") as f:
                    share = on_ring_share(f["samples/images"][-1])
                results[(name, k)] = (share, time.time() - start)
                print(f"{name:17s} K={k:3d}: on-ring share {share:.3f} ({time.time() - start:.0f} s)", flush=True)
    print(f"\n| sampler | " + " | ".join(f"K = {k}" for k in ks) + f" | smallest K with share >= {args.threshold} |")
    print("| --- | " + " | ".join("---:" for _ in ks) + " | ---: |")
    for name in VARIANTS:
        shares = [results[(name, k)][0] for k in ks]
        reached = [k for k, s in zip(ks, shares) if s >= args.threshold]
        print(f"| {name} | " + " | ".join(f"{s:.3f}" for s in shares) + f" | {reached[0] if reached else 'none'} |")


if __name__ == "__main__":
    main()
