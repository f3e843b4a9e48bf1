#!/usr/bin/env python3
"""The short-run paper's Table 2 and Table 3(a) at CPU scale on Fashion-MNIST (docs/results.md):
configs/fashion_mnist_quick.yaml trained over a grid, every cell on each seed, scored by
`srm-dist eval` (N samples against a reference .npz with features) and by the mean
||df/dx|| over the chain in the last sixth of training (metrics.csv's chain_grad_norm).

  --table 2   K in {5, 10, 25, 50} with the data noise sigma the paper pairs with each
              (0.15, 0.1, 0.05, 0.04): FID should fall and ||df/dx|| fall as K rises.
  --table 3a  sigma in {0.10, 0.06, 0.03} at the config's K: FID should fall with sigma.

Each finished cell leaves RUN/cell.json and is reused by a later call with the same config,
overrides, N and reference (--fresh to retrain); a failed cell is tried again.
Prints a Markdown table and draws a PNG (--plot).

    python3 bench/paper_tables.py --table 2 --reference RUN/eval_cache/reference_XXXX.npz \\
        --seeds 1 2 --plot docs/table2_fashion_mnist.png
"""
import argparse
import json
import os

import numpy as np

import fm_runs

TABLES = {  # name: (axis label, [(value, --set overrides)])
    "2": ("K (Langevin steps), with the paper's sigma", [
        (5, ["sampler.steps=5", "train.data_noise=0.15"]),
        (10, ["sampler.steps=10", "train.data_noise=0.1"]),
        (25, ["sampler.steps=25", "train.data_noise=0.05"]),
        (50, ["sampler.steps=50", "train.data_noise=0.04"]),
    ]),
    "3a": ("sigma (data noise)", [
        (0.10, ["train.data_noise=0.1"]),
        (0.06, ["train.data_noise=0.06"]),
        (0.03, ["train.data_noise=0.03"]),
    ]),
}


def cell(a, binary, config, value, sets, seed):
    """Trains and scores one cell, or reads the cell.json an earlier call left for the same
    protocol. "ok" is false when training or eval failed (the row then says why)."""
    run = os.path.join(a.out, f"table{a.table}_{value:g}_s{seed}")
    saved = os.path.join(run, "cell.json")
    protocol = {"config": config, "sets": sets, "n": a.n, "reference": os.path.abspath(a.reference)}
    if os.path.exists(saved) and not a.fresh:
        with open(saved) as f:
            row = json.load(f)
        if row.get("protocol") == protocol and row.get("ok"):
            return row
    row = {"value": value, "seed": seed, "protocol": protocol, **fm_runs.train(binary, config, run, seed, sets)}
    m = fm_runs.metrics(run) if row["exit"] == 0 else {}
    if m:
        tail = max(1, len(m["iteration"]) // 6)
        row["grad_norm"] = float(np.mean(m["chain_grad_norm"][-tail:]))
        row["per_iteration"] = float(np.median(m["seconds"]))
        row.update(fm_runs.evaluate(binary, run, a.n, a.reference))
    row["ok"] = bool(m) and row.get("eval_exit") == 0
    os.makedirs(run, exist_ok=True)
    with open(saved, "w") as f:
        json.dump(row, f)
    return row


def spread(values):
    """'mean (a, b, ...)' of the finite values."""
    ok = [v for v in values if np.isfinite(v)]
    return f"{np.mean(ok):.3g} ({', '.join(f'{v:.3g}' for v in ok)})" if ok else "n/a"


def plot(a, label, rows):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = sorted({r["value"] for r in rows})
    panels = [("fid", f"FID (N = {a.n})"), ("kid", "KID")] + ([("grad_norm", "mean ||df/dx|| over the chain")]
                                                              if a.table == "2" else [])
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.4))
    for ax, (key, title) in zip(axes, panels):
        for seed in a.seeds:
            pts = [(r["value"], r[key]) for r in rows if r["seed"] == seed and r["ok"]]
            if pts:
                ax.plot(*zip(*pts), "o", alpha=0.6, label=f"seed {seed}")
        means = [np.mean([r[key] for r in rows if r["value"] == v and r["ok"]] or [np.nan]) for v in values]
        ax.plot(values, means, "-", color="black", label="mean")
        ax.set_xlabel(label)
        ax.set_title(title)
        ax.grid(alpha=0.3)
    axes[0].legend()
    fig.suptitle(f"Fashion-MNIST, configs/fashion_mnist_quick.yaml, Table {a.table} grid")
    fig.tight_layout()
    fig.savefig(a.plot, dpi=100)
    print(f"wrote {a.plot}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--table", choices=sorted(TABLES), required=True)
    p.add_argument("--srm-dist", default="build/src/srm-dist")
    p.add_argument("--config", default="configs/fashion_mnist_quick.yaml")
    p.add_argument("--reference", required=True, help=".npz with features (a run's eval_cache file)")
    p.add_argument("--out", default="/tmp/paper_tables")
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    p.add_argument("-n", type=int, default=500)
    p.add_argument("--plot", default="", help="PNG to draw the table into")
    p.add_argument("--fresh", action="store_true", help="retrain cells an earlier call finished")
    a = p.parse_args()
    binary, config = os.path.abspath(a.srm_dist), os.path.abspath(a.config)
    os.makedirs(a.out, exist_ok=True)
    label, grid = TABLES[a.table]
    rows = []
    for value, sets in grid:
        for seed in a.seeds:
            rows.append(cell(a, binary, config, value, sets, seed))
            print(rows[-1], flush=True)
    print(f"\n| {label} | FID (N = {a.n}): mean (seeds) | KID: mean (seeds) | mean ‖∂f/∂x‖, last sixth | "
          "s / iteration (median) | failed (training diverged or eval failed) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for value, _ in grid:
        cells = [r for r in rows if r["value"] == value]
        ok = [r for r in cells if r["ok"]]
        why = "; ".join(f"seed {r['seed']}: {r.get('error') or r.get('eval_error') or 'no metrics'}"
                        for r in cells if not r["ok"])
        print(f"| {value:g} | {spread([r['fid'] for r in ok])} | {spread([r['kid'] for r in ok])} | "
              f"{spread([r['grad_norm'] for r in ok])} | {spread([r['per_iteration'] for r in ok])} | "
              f"{len(cells) - len(ok)} of {len(cells)}{': ' + why if why else ''} |")
    if a.plot:
        plot(a, label, rows)


if __name__ == "__main__":
    main()
