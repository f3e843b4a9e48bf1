#!/usr/bin/env python3
"""The methods comparison of docs/generator.md on Fashion-MNIST: configs/fashion_mnist_quick.yaml (or
--config) trained with each MCMC option of srm-dist, the same seeds, K scaled so that every
method's iteration costs about the network passes of the config's K = 40 Langevin steps; then
`srm-dist eval` of N samples (default 500) against a reference with features (a run's
eval_cache .npz of the first 2,000 test images, so KID is defined), the mean acceptance rate,
seconds per iteration and whether the run diverged. Prints a Markdown table.

    python3 bench/mcmc_fashion_mnist.py --reference RUN/eval_cache/reference_XXXX.npz [--seeds 1 2] [-n 500]
"""
import argparse
import os
import re

import numpy as np

import fm_runs

METHODS = {  # name: --set overrides on the config (K = 40 Langevin steps of step 1, noise 0.01)
    "langevin (paper)": [],
    "anila": ["sampler.method=anila"],
    "persistent (buffer 10000, 5% restarts)": ["sampler.init=persistent"],
    "cd-40 (chains from the data)": ["sampler.init=data"],
    # MALA: an energy pass and a gradient pass per step, so K = 20; the Langevin pairing
    # n^2 = 2 s at the config's noise 0.01 (s = 1, n = 0.01 would reject nearly every proposal).
    "mala (K 20, s 5e-5, n 0.01)": ["sampler.method=mala", "sampler.steps=20", "sampler.step_size=0.00005"],
    # HMC: 4 gradient passes + 1 energy pass per transition, so K = 8; eps = the config's noise.
    "hmc (K 8, L 4, eps 0.01)": ["sampler.method=hmc", "sampler.steps=8", "sampler.hmc_leapfrog=4",
                                 "sampler.step_size=0.01"],
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--srm-dist", default="build/src/srm-dist")
    p.add_argument("--config", default="configs/fashion_mnist_quick.yaml")
    p.add_argument("--reference", required=True, help=".npz with features (a run's eval_cache file)")
    p.add_argument("--out", default="/tmp/mcmc_fm")
    p.add_argument("--seeds", type=int, nargs="+", default=[1])
    p.add_argument("-n", type=int, default=500)
    p.add_argument("--only", nargs="*", default=[], help="method name prefixes to run (default: all)")
    a = p.parse_args()
    binary, config = os.path.abspath(a.srm_dist), os.path.abspath(a.config)
    os.makedirs(a.out, exist_ok=True)
    rows = []
    for name, sets in METHODS.items():
        if a.only and not any(name.startswith(o) for o in a.only):
            continue
        for seed in a.seeds:
            tag = re.sub(r"[^a-z0-9]+", "_", name.split(" (")[0]) + f"_s{seed}"
            run = os.path.join(a.out, tag)
            row = {"method": name, "seed": seed, **fm_runs.train(binary, config, run, seed, sets)}
            if row["exit"] != 0:
                rows.append(row)
                print(row, flush=True)
                continue
            m = fm_runs.metrics(run)
            row["accept"] = np.mean(m.get("accept_rate", np.nan))
            row["per_iteration"] = np.median(m.get("seconds", np.nan))
            # Samples from p0 through the run's own sampler (a data or buffer start has no fresh
            # chain: eval draws those from uniform noise, as `sample` does).
            init = ["sampler.init=uniform"] if "sampler.init=data" in sets or "sampler.init=persistent" in sets else []
            row.update(fm_runs.evaluate(binary, run, a.n, a.reference, init))
            rows.append(row)
            print(row, flush=True)
    print(f"\n| method | seed | training wall time | s / iteration (median) | mean acceptance | FID (N = {a.n}) | "
          "KID | samples outside the data range |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        if r["exit"] != 0:
            print(f"| {r['method']} | {r['seed']} | {r['seconds']:.0f} s | | | diverged: {r.get('error', '')} | | |")
            continue
        print(f"| {r['method']} | {r['seed']} | {r['seconds']:.0f} s | {r['per_iteration']:.3f} | {r['accept']:.3f} | "
              f"{r['fid']:.1f} | {r['kid']:.3f} ± {r['kid_std']:.3f} | {r['outside']:.0f} |")


if __name__ == "__main__":
    main()
