#!/usr/bin/env python3
"""The rings default's measurement (README, configs/rings.yaml, docs/results.md): trains the
config once per seed, one run after the other, and scores the last stored sample batch (256
samples from the run's p0 through its short-run sampler): the share within 0.05 of a
ring, each ring's share of those (the data: a third each), and the wall time. Prints a Markdown
table with the mean and the range over seeds.

    python3 bench/rings_seeds.py [--config configs/rings.yaml] [--seeds 1 2 3 4 5] [--set KEY=VALUE ...]
"""
import argparse
import os
import subprocess
import time

import h5py
import numpy as np

RADII = np.array([0.25, 0.5, 0.75])


def ring_scores(points):
    r = np.linalg.norm(points, axis=1)
    dist = np.abs(r[:, None] - RADII[None, :])
    on = dist.min(1) < 0.05
    which = dist.argmin(1)
    return float(on.mean()), [float((on & (which == k)).sum() / max(on.sum(), 1)) for k in range(3)]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--srm-dist", default="build/src/srm-dist")
    p.add_argument("--config", default="configs/rings.yaml")
    p.add_argument("--out", default="/tmp/rings_seeds")
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    p.add_argument("--set", dest="sets", nargs="*", action="extend", default=[],
                   help="extra --set overrides (repeatable; every list is kept)")
    a = p.parse_args()
    binary = os.path.abspath(a.srm_dist)
    rows = []
    for seed in a.seeds:
        run = os.path.join(a.out, f"s{seed}")
        cmd = [binary, "--config", os.path.abspath(a.config), "--set", f"output.dir={run}", "--set",
               "output.overwrite=true", "--set", f"train.seed={seed}"]
        for s in a.sets:
            cmd += ["--set", s]
        start = time.time()
        subprocess.run(cmd, check=True, capture_output=True)
        seconds = time.time() - start
        with h5py.File(os.path.join(run, "archive.h5"), "r") as f:
            on, per = ring_scores(f["samples/images"][-1])
        rows.append((seed, seconds, on, per))
        print(f"seed {seed}: {seconds:.0f} s, on a ring {on:.3f}, per ring {per}", flush=True)
    print("\n| seed | wall time | on a ring (of 256) | inner / middle / outer ring (share of those on a ring) |")
    print("| --- | --- | --- | --- |")
    for seed, seconds, on, per in rows:
        print(f"| {seed} | {seconds:.0f} s | {on:.3f} | {' / '.join(f'{x:.2f}' for x in per)} |")
    ons = np.array([r[2] for r in rows])
    print(f"| mean (range) | {np.mean([r[1] for r in rows]):.0f} s | {ons.mean():.3f} ({ons.min():.3f}-{ons.max():.3f}) | |")


if __name__ == "__main__":
    main()
