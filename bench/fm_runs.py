"""Train-and-score steps shared by the Fashion-MNIST benches (mcmc_fashion_mnist.py,
paper_tables.py): one srm-dist training run of a config with --set overrides, the summaries of
its metrics.csv, and `srm-dist eval` of N samples against a reference .npz with features (a
run's eval_cache file of the first 2,000 test images, so KID is defined)."""
import csv
import os
import re
import subprocess
import time

import numpy as np


def _run(cmd, sets):
    """Runs cmd with one --set per entry of sets: (the finished process, the last line of its
    stderr when it failed, else None)."""
    for s in sets:
        cmd = cmd + ["--set", s]
    done = subprocess.run(cmd, capture_output=True, text=True)
    error = (done.stderr.strip().splitlines() or ["?"])[-1][:160] if done.returncode != 0 else None
    return done, error


def train(binary, config, run, seed, sets):
    """Trains config into run with train.seed = seed and the --set overrides in sets. Returns
    {"seconds", "exit"} and, when the run failed, "error" (the last line of its stderr)."""
    start = time.time()
    done, error = _run([binary, "--config", config, "--set", f"output.dir={run}", "--set", "output.overwrite=true",
                        "--set", f"train.seed={seed}"], sets)
    row = {"seconds": time.time() - start, "exit": done.returncode}
    if error is not None:
        row["error"] = error
    return row


def metrics(run):
    """The run's metrics.csv as a dict of numpy columns ({} when it has no rows)."""
    with open(os.path.join(run, "metrics.csv")) as f:
        rows = list(csv.DictReader(f))
    return {key: np.array([float(r[key]) for r in rows]) for key in (rows[0] if rows else [])}


def _value(text, key):
    m = re.search(r"^" + key + r": (\S+)", text, re.M)
    return float(m.group(1)) if m else float("nan")


def evaluate(binary, run, n, reference, extra_sets=()):
    """`srm-dist eval RUN -n N --reference REF` (samples from p0 through the run's own sampler,
    EMA weights when the run has them): {"fid", "kid", "kid_std", "outside", "eval_exit"} and,
    when eval failed, "eval_error" (the last line of its stderr; the scores are then NaN)."""
    done, error = _run([binary, "eval", run, "-n", str(n), "--reference", os.path.abspath(reference),
                        "-o", os.path.join(run, "eval")], extra_sets)
    out = done.stdout
    scores = {"fid": _value(out, "fid"), "kid": _value(out, "kid"), "kid_std": _value(out, "kid_std"),
              "outside": _value(out, "samples_outside_data_range"), "eval_exit": done.returncode}
    if error is not None:
        scores["eval_error"] = error
    return scores
