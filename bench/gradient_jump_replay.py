#!/usr/bin/env python3
"""Replays the collapse check of train.divergence_grad_jump (src/trainer/gradient_jump.h) on the
chain_grad_norm column of finished runs' metrics.csv. Two comparisons, as in the check: the
median of the last WINDOW iterations against the median of the HORIZON before them (fires at
the threshold J), and against the HORIZON that ended LONG_LAG before them (fires at J squared);
reference iterations after WARMUP only. For each run: each comparison's largest ratio and the
iteration at which the check would have fired. This is how the default was chosen
(docs/stabilisers.md): healthy runs' peak ratios against collapsed runs'. Runs shorter than
WARMUP + WINDOW + HORIZON are listed as not armed. metrics.csv is replayed as one uninterrupted
run with no lr warm-up (the check adds train.warmup to WARMUP). The check itself starts afresh
after a resume, with its reference taken after it, and after a rewind waits for 20 fresh
iterations, so on a resumed or rewound run it can fire later than the replay says, or not at all.

    python3 bench/gradient_jump_replay.py [--threshold 4] RUN_OR_METRICS_CSV ...
"""
import argparse
import csv
import os
import statistics

WINDOW, HORIZON, LONG_LAG, WARMUP = 20, 200, 2000, 100  # as GradientJumpWindows


def grad_norms(path):
    with open(path) as f:
        return [(int(r["iteration"]), float(r["chain_grad_norm"])) for r in csv.DictReader(f)]


def replay(series, threshold):
    """(peak short ratio, peak long ratio, first firing iteration or None); a peak is None when
    that comparison never armed."""
    peaks = [None, None]
    fired = None
    for end in range(WINDOW + HORIZON, len(series) + 1):
        split = end - WINDOW
        recent = statistics.median(v for _, v in series[split:end])
        for k, (lag, bound) in enumerate(((0, threshold), (LONG_LAG, threshold * threshold))):
            first = split - lag - HORIZON
            if first < 0 or series[first][0] <= WARMUP:
                continue
            reference = statistics.median(v for _, v in series[first:first + HORIZON])
            if reference <= 0:
                continue
            ratio = recent / reference
            peaks[k] = max(peaks[k] or 0.0, ratio)
            if fired is None and ratio >= bound:
                fired = series[end - 1][0]
    return peaks[0], peaks[1], fired


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threshold", type=float, default=4.0)
    parser.add_argument("runs", nargs="+", help="run directories or metrics.csv files")
    args = parser.parse_args()
    print(f"| run | iterations | peak ratio over {HORIZON} | over {LONG_LAG} | fires (J = {args.threshold:g}) at |")
    print("| --- | --- | --- | --- | --- |")
    for run in args.runs:
        path = os.path.join(run, "metrics.csv") if os.path.isdir(run) else run
        series = grad_norms(path)
        short, long, fired = replay(series, args.threshold)
        shown = ["not armed" if p is None else f"{p:.2f}" for p in (short, long)]
        print(f"| {run} | {len(series)} | {shown[0]} | {shown[1]} | {fired if fired else 'no'} |")


if __name__ == "__main__":
    main()
