#!/usr/bin/env python3
"""The methods comparison of docs/mcmc.md on the rings: configs/rings.yaml trained with each
MCMC option of srm-dist, the same seeds, K scaled so that every method's iteration costs about
the same number of network passes as the paper's K = 40 Langevin steps; then the share of the
final samples within 0.05 of a ring (the rings tests' measure), the per-ring shares, the mean
acceptance rate, the wall time, and srm-dist longrun's verdict (2,000 steps from the run's own
samples). Prints a Markdown table.

    python3 bench/mcmc_rings.py [--srm-dist build/src/srm-dist] [--out /tmp/mcmc] [--seeds 1 2]
"""
import argparse
import csv
import os
import re
import subprocess
import time

import h5py
import numpy as np

from rings_paper_pairing import PAPER_PAIRING

RADII = np.array([0.25, 0.5, 0.75])
METHODS = {  # name: --set overrides on PAPER_PAIRING (K = 40 Langevin steps of step 1, noise 0.01)
    "langevin (paper)": [],
    "anila": ["sampler.method=anila"],
    "persistent (buffer 10000, 5% restarts)": ["sampler.init=persistent"],
    "cd-40 (chains from the data)": ["sampler.init=data"],
    # MALA: one energy + one gradient pass per step, so K = 20; the Langevin pairing n = sqrt(2 s).
    "mala (K 20, s 1e-3, n 0.0447)": ["sampler.method=mala", "sampler.steps=20", "sampler.step_size=0.001",
                                      "sampler.noise=0.0447"],
    # HMC: 4 gradient passes + 1 energy pass per transition, so K = 8.
    "hmc (K 8, L 4, eps 0.02)": ["sampler.method=hmc", "sampler.steps=8", "sampler.hmc_leapfrog=4",
                                 "sampler.step_size=0.02"],
}


def ring_scores(points):
    r = np.linalg.norm(points, axis=1)
    dist = np.abs(r[:, None] - RADII[None, :])
    nearest = dist.min(1)
    which = dist.argmin(1)
    on = nearest < 0.05
    return on.mean(), [float((on & (which == k)).mean()) for k in range(3)]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--srm-dist", default="build/src/srm-dist")
    p.add_argument("--config", default="configs/rings.yaml")
    p.add_argument("--out", default="/tmp/mcmc")
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    p.add_argument("--iterations", type=int, default=0, help="override train.iterations (0: PAPER_PAIRING's 3000)")
    p.add_argument("--longrun-steps", type=int, default=2000)
    a = p.parse_args()
    binary = os.path.abspath(a.srm_dist)
    os.makedirs(a.out, exist_ok=True)
    rows = []
    for name, sets in METHODS.items():
        for seed in a.seeds:
            tag = re.sub(r"[^a-z0-9]+", "_", name.split(" (")[0]) + f"_s{seed}"
            run = os.path.join(a.out, tag)
            cmd = [binary, "--config", a.config, "--set", f"output.dir={run}", "--set", "output.overwrite=true",
                   "--set", f"train.seed={seed}"]
            for s in PAPER_PAIRING + ([f"train.iterations={a.iterations}"] if a.iterations else []) + sets:
                cmd += ["--set", s]
            start = time.time()
            trained = subprocess.run(cmd, capture_output=True, text=True)
            seconds = time.time() - start
            row = {"method": name, "seed": seed, "seconds": seconds, "exit": trained.returncode}
            if trained.returncode != 0:
                row["error"] = (trained.stderr.strip().splitlines() or ["?"])[-1][:160]
                rows.append(row)
                continue
            with h5py.File(os.path.join(run, "archive.h5"), "r") as f:
                samples = f["samples/images"][-1]
            row["on_ring"], row["per_ring"] = ring_scores(samples)
            with open(os.path.join(run, "metrics.csv")) as f:
                metrics = list(csv.DictReader(f))
            row["accept"] = np.mean([float(m["accept_rate"]) for m in metrics])
            longrun = subprocess.run([binary, "longrun", run, "--steps", str(a.longrun_steps), "-n", "256", "-o",
                                      os.path.join(run, "longrun")], capture_output=True, text=True)
            verdict = re.search(r'verdict: "(.*)"', longrun.stdout)
            data_energy = re.search(r"data_energy: (\S+)", longrun.stdout)
            energies = re.findall(r"energy: (\S+),", longrun.stdout)
            row["longrun"] = (f"f data {float(data_energy.group(1)):.3g}, long-run {float(energies[-1]):.3g}: "
                              + ("oversaturated" if "rises above" in verdict.group(1) else "not above the data")
                              if verdict else "longrun failed: " + longrun.stderr.strip()[-160:])
            with h5py.File(os.path.join(run, "longrun.h5"), "r") as f:
                row["longrun_on_ring"] = ring_scores(f["snapshots"][-1])[0]
            rows.append(row)
            print(row, flush=True)
    print("\n| method | seed | wall time | on a ring (final samples) | per ring | mean acceptance | "
          "long-run (2,000 steps): on a ring | long-run energy |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        if r["exit"] != 0:
            print(f"| {r['method']} | {r['seed']} | {r['seconds']:.0f} s | failed: {r.get('error', '')} | | | | |")
            continue
        print(f"| {r['method']} | {r['seed']} | {r['seconds']:.0f} s | {r['on_ring']:.3f} | "
              f"{', '.join(f'{s:.2f}' for s in r['per_ring'])} | {r['accept']:.3f} | {r['longrun_on_ring']:.3f} | "
              f"{r['longrun']} |")


if __name__ == "__main__":
    main()
