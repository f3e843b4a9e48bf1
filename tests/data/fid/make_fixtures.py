"""Makes the .npz fixtures of tests/unit/fid_building_blocks_test.cpp with NumPy, and prints the
KID values that test expects, computed here independently (NumPy float64 and exact fractions).

    ~/.local/share/srm-dist/venv/bin/python tests/data/fid/make_fixtures.py

Files (all in this folder):
  tiny_stats.npz             np.savez:            mu (3,) <f8, sigma (3, 3) <f8, feats32 (2, 3) <f4
  tiny_stats_compressed.npz  np.savez_compressed: the same arrays, deflated
  npy_versions.npz           .npy format 2.0 and 3.0 members, a big-endian >f8 and an <i8 member
  fortran_order.npz          one (2, 3) array saved in Fortran order (the reader refuses it)
  lying_shape.npz            a member whose header claims shape (100,) over 2 float64 values
  huge_shape.npz             a member whose header claims 3e9 float64 values (24 GB) over 2
"""
import io
import os
import zipfile
from fractions import Fraction

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

MU = np.array([0.5, -1.25, 3.0])
SIGMA = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, -0.25], [0.0, -0.25, 0.75]])
FEATS32 = np.array([[1.5, -2.0, 0.25], [3.0, 0.125, -7.5]], dtype=np.float32)

# The KID test's feature sets (5 rows of dimension 3 each).
X = [[0.5, -1.0, 2.0], [1.5, 0.0, -0.5], [-1.0, 2.5, 1.0], [0.0, 0.5, -2.0], [2.0, 1.0, 0.5]]
Y = [[2.0, 1.0, 2.5], [1.5, 3.0, 1.0], [2.5, 0.0, 3.0], [3.5, 1.5, 0.5], [1.0, 1.5, 2.0]]


def member(zf, name, array, version):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, version=version)
    zf.writestr(name, buffer.getvalue())


def make_files():
    np.savez(os.path.join(HERE, "tiny_stats.npz"), mu=MU, sigma=SIGMA, feats32=FEATS32)
    np.savez_compressed(os.path.join(HERE, "tiny_stats_compressed.npz"), mu=MU, sigma=SIGMA, feats32=FEATS32)
    with zipfile.ZipFile(os.path.join(HERE, "npy_versions.npz"), "w", zipfile.ZIP_STORED) as zf:
        member(zf, "v2.npy", np.array([1.0, -2.0]), (2, 0))
        member(zf, "v3.npy", np.array([0.25, 4.0]), (3, 0))
        member(zf, "big_endian.npy", np.array([1.5, -0.75], dtype=">f8"), (1, 0))
        member(zf, "counts.npy", np.array([-3, 7], dtype="<i8"), (1, 0))
    np.savez(os.path.join(HERE, "fortran_order.npz"), a=np.asfortranarray(np.arange(6.0).reshape(2, 3)))
    for name, shape in {"lying_shape": (100,), "huge_shape": (3_000_000_000,)}.items():
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": shape})
        with zipfile.ZipFile(os.path.join(HERE, name + ".npz"), "w", zipfile.ZIP_STORED) as zf:
            zf.writestr("a.npy", header.getvalue() + np.array([1.0, 2.0]).tobytes())


def kid_numpy(x, y):
    """Unbiased MMD^2 with k(a, b) = (a.b / d + 1)^3, all rows (as torch-fidelity's mmd2)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    m, d = x.shape
    kxx, kyy, kxy = ((x @ x.T) / d + 1) ** 3, ((y @ y.T) / d + 1) ** 3, ((x @ y.T) / d + 1) ** 3
    return ((kxx.sum() - np.trace(kxx)) + (kyy.sum() - np.trace(kyy))) / (m * (m - 1)) - 2 * kxy.sum() / (m * m)


def kid_exact(x, y):
    x = [[Fraction(v) for v in row] for row in x]
    y = [[Fraction(v) for v in row] for row in y]
    m, d = len(x), len(x[0])
    k = lambda a, b: (sum(p * q for p, q in zip(a, b)) / d + 1) ** 3
    same = sum(k(a, b) for i, a in enumerate(x) for j, b in enumerate(x) if i != j) + sum(
        k(a, b) for i, a in enumerate(y) for j, b in enumerate(y) if i != j)
    cross = sum(k(a, b) for a in x for b in y)
    return same / (m * (m - 1)) - 2 * cross / (m * m)


def seeded_sets():
    """The seeded-subset test's sets: (40, 8) and (30, 8), exact multiples of 1/4."""
    a = np.array([[((i * 7 + j * 3) % 11 - 5) / 4.0 for j in range(8)] for i in range(40)])
    b = np.array([[((i * 5 + j * 2) % 13 - 6) / 4.0 + 0.5 for j in range(8)] for i in range(30)])
    return a, b


def kid_seeded(a, b, subsets, subset_size, seed):
    """KID over random subsets drawn as srm-dist draws them: torch.randperm on a CPU generator
    seeded with `seed`, the first set's rows then the second's for each subset; the MMD in NumPy;
    population std (np.std)."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    values = []
    for _ in range(subsets):
        rows_a = torch.randperm(len(a), generator=generator)[:subset_size].numpy()
        rows_b = torch.randperm(len(b), generator=generator)[:subset_size].numpy()
        values.append(kid_numpy(a[rows_a], b[rows_b]))
    return float(np.mean(values)), float(np.std(values))


if __name__ == "__main__":
    make_files()
    for name, (a, b) in {"KID(X, Y)": (X, Y), "KID(X, X)": (X, X)}.items():
        exact = kid_exact(a, b)
        print(f"{name}: numpy {kid_numpy(a, b)!r}  exact {exact} = {float(exact)!r}")
    mean, std = kid_seeded(*seeded_sets(), subsets=20, subset_size=10, seed=7)
    print(f"seeded KID (20 subsets of 10, seed 7): mean {mean!r} std {std!r}")
