#!/usr/bin/env python3
"""Replays the collapse check of train.divergence_grad_jump (src/trainer/gradient_jump.h) on the
chain_grad_norm column of finished runs' metrics.csv: for each run, the largest ratio of the
median of the last WINDOW iterations to the median of the HORIZON before them (reference
iterations after WARMUP only), and the iteration at which a threshold would have fired. This is
how the default threshold was chosen (docs/stabilisers.md): healthy runs' peak ratio against
collapsed runs'. Runs shorter than WARMUP + WINDOW + HORIZON are listed as not armed.

    python3 bench/gradient_jump_replay.py [--threshold 4] RUN_OR_METRICS_CSV ...
"""
import argparse
import csv
import os
import statistics

WINDOW, HORIZON, WARMUP = 20, 200, 100  # as GradientJumpWindows


def grad_norms(path):
    with open(path) as f:
        return [(int(r["iteration"]), float(r["chain_grad_norm"])) for r in csv.DictReader(f)]


def replay(series, threshold):
    """(peak ratio, its iteration, first firing iteration or None)."""
    peak, peak_at, fired = 0.0, None, None
    for end in range(WINDOW + HORIZON, len(series) + 1):
        first = end - WINDOW - HORIZON
        if series[first][0] <= WARMUP:
            continue
        reference = statistics.median(v for _, v in series[first:first + HORIZON])
        recent = statistics.median(v for _, v in series[first + HORIZON:end])
        if reference <= 0:
            continue
        ratio = recent / reference
        if ratio > peak:
            peak, peak_at = ratio, series[end - 1][0]
        if fired is None and ratio >= threshold:
            fired = series[end - 1][0]
    return peak, peak_at, fired


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threshold", type=float, default=4.0)
    parser.add_argument("runs", nargs="+", help="run directories or metrics.csv files")
    args = parser.parse_args()
    print(f"| run | iterations | peak ratio (at) | fires at {args.threshold:g} |")
    print("| --- | --- | --- | --- |")
    for run in args.runs:
        path = os.path.join(run, "metrics.csv") if os.path.isdir(run) else run
        series = grad_norms(path)
        peak, at, fired = replay(series, args.threshold)
        if at is None:
            print(f"| {run} | {len(series)} | not armed | |")
        else:
            print(f"| {run} | {len(series)} | {peak:.2f} ({at}) | {fired if fired else 'no'} |")


if __name__ == "__main__":
    main()
