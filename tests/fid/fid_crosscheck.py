"""Cross-check of `srm-dist fid` against an independent Python FID/KID (reference_fid.py: the same
TorchScript Inception, torch.nn.functional.interpolate, scipy.linalg.sqrtm, NumPy's covariance),
on two small seeded image sets, plus the .npz round trip and the SHA-1 refusal. Run by ctest:

    python fid_crosscheck.py --srm-dist BUILD/src/srm-dist --inception default_1.pt --work DIR

Asserts (exit 1 with the figures otherwise):
  - FID and KID of srm-dist and of the Python implementation agree within 0.1% relative;
  - `fid A --save-stats A.npz` writes pytorch-fid's layout (numpy reads mu (2048,), sigma
    (2048, 2048)), and FID(A.npz, B) from srm-dist equals FID(A, B) within 1e-6 relative, and the
    Python FID of B against that .npz agrees within 0.1%;
  - a copy of the Inception file with one byte changed is refused, naming the file and the hashes.
CPU Inception costs about 0.5 s an image on a 2-core machine: the sets are 24 images each.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
N = 24


def make_sets(work):
    """Two sets of smooth 28x28 gray images (blurred uniform noise) that differ in contrast."""
    rng = np.random.default_rng(20261201)
    paths = {}
    for name, contrast in (("a", 1.0), ("b", 0.6)):
        noise = rng.uniform(0, 1, size=(N, 1, 14, 14))
        images = np.kron(noise, np.ones((1, 1, 2, 2)))  # 28x28 blocks: structure at two scales
        images = np.clip(128 + contrast * 127 * (images - 0.5) * 2, 0, 255).astype(np.uint8)
        h5 = os.path.join(work, f"{name}.h5")
        with h5py.File(h5, "w") as f:
            f.create_dataset("images", data=images)
        npy = os.path.join(work, f"{name}.npy")
        np.save(npy, (images.astype(np.float32) / np.float32(127.5) - np.float32(1.0)))
        paths[name] = (h5, npy)
    return paths


def run(command, env=None):
    """Exit code and stdout (results); stderr (warnings, e.g. TorchScript's deprecation notice) is shown on failure."""
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        print(result.stderr[-2000:])
    return result.returncode, result.stdout if result.returncode == 0 else result.stdout + result.stderr


def report_value(text, key):
    for line in text.splitlines():
        if line.startswith(key + ": "):
            value = line.split(": ", 1)[1].split()[0]
            return None if value == "null" else float(value)
    raise AssertionError(f"no '{key}:' line in:\n{text}")


def relative(a, b):
    return abs(a - b) / max(abs(b), 1e-12)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--srm-dist", required=True)
    parser.add_argument("--inception", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    if not os.path.exists(args.inception):
        print(f"SKIP: the standard Inception {args.inception} is not installed (bash launch/setup.sh installs it)")
        return 77
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    sets = make_sets(args.work)
    failures = []

    def check(ok, message):
        print(("ok    " if ok else "FAIL  ") + message)
        if not ok:
            failures.append(message)

    # Subsets of 16 of the 24 rows: both sides draw them with torch.randperm from the same seed,
    # so the subset sampling and the standard deviation are compared too.
    code, ours = run([args.srm_dist, "fid", sets["a"][0], sets["b"][0], "--kid-subsets", "10", "--kid-subset-size", "16"])
    check(code == 0, f"srm-dist fid A B exits 0 (got {code})")
    if code != 0:
        print(ours)
        return 1
    code, text = run([sys.executable, os.path.join(HERE, "reference_fid.py"), "--inception", args.inception,
                      "--kid-subsets", "10", "--kid-subset-size", "16", sets["a"][1], sets["b"][1]])
    check(code == 0, "reference_fid.py A B runs")
    theirs = json.loads(text.strip().splitlines()[-1])
    fid, kid, kid_std = report_value(ours, "fid"), report_value(ours, "kid"), report_value(ours, "kid_std")
    check(relative(fid, theirs["fid"]) < 1e-3,
          f"FID: srm-dist {fid:.6f}, Python ({theirs['sqrtm']}) {theirs['fid']:.6f}, relative difference "
          f"{relative(fid, theirs['fid']):.2e} < 1e-3")
    check(relative(kid, theirs["kid_mean"]) < 1e-3,
          f"KID: srm-dist {kid:.6g}, Python {theirs['kid_mean']:.6g} (10 subsets of {theirs['kid_subset_size']}), "
          f"relative difference {relative(kid, theirs['kid_mean']):.2e} < 1e-3")
    check(kid_std > 0 and relative(kid_std, theirs["kid_std"]) < 1e-2,
          f"KID std over subsets: srm-dist {kid_std:.6g}, Python {theirs['kid_std']:.6g} (printed to 6 digits; < 1%)")

    stats = os.path.join(args.work, "a.npz")
    code, text = run([args.srm_dist, "fid", sets["a"][0], "--save-stats", stats])
    check(code == 0 and os.path.exists(stats), "srm-dist fid A --save-stats A.npz writes the file")
    loaded = np.load(stats)
    check(loaded["mu"].shape == (2048,) and loaded["sigma"].shape == (2048, 2048) and loaded["mu"].dtype == np.float64,
          f"numpy reads mu {loaded['mu'].shape} and sigma {loaded['sigma'].shape} ({loaded['mu'].dtype})")
    code, from_stats = run([args.srm_dist, "fid", stats, sets["b"][0]])
    check(code == 0, "srm-dist fid A.npz B exits 0")
    fid_npz = report_value(from_stats, "fid")
    check(relative(fid_npz, fid) < 1e-6, f"FID(A.npz, B) {fid_npz:.9f} equals FID(A, B) {fid:.9f}")
    check(report_value(from_stats, "kid") is None, "KID is null against a statistics file without features")
    code, text = run([sys.executable, os.path.join(HERE, "reference_fid.py"), "--inception", args.inception,
                      sets["b"][1], "--npz", stats])
    python_npz = json.loads(text.strip().splitlines()[-1])["fid"]
    check(relative(python_npz, fid) < 1e-3, f"Python FID(B, A.npz) {python_npz:.6f} agrees with {fid:.6f}")

    damaged = os.path.join(args.work, "damaged_inception.pt")
    shutil.copyfile(args.inception, damaged)
    with open(damaged, "r+b") as f:
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    env = dict(os.environ, SRM_INCEPTION_WEIGHTS=damaged)
    code, text = run([args.srm_dist, "fid", sets["a"][0], sets["b"][0]], env=env)
    check(code == 1 and damaged in text and "a16e4d89c0ecbc17a915dd76ea9e41211aa82562" in text,
          f"a changed Inception file is refused naming it and the expected SHA-1 (exit {code}): "
          f"{text.strip().splitlines()[-1] if text.strip() else ''}")

    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
