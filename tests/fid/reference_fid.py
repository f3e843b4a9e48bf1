"""An independent Python FID/KID for cross-checking srm-dist's (src/eval/fid_protocol.h,
kernel_inception_distance.h, gaussian_statistics.h). Prints one JSON line:
{fid, kid_mean, kid_std, n1, n2, kid_subsets, kid_subset_size, sqrtm, protocol}.

    python tests/fid/reference_fid.py --inception default_1.pt A.npy B.npy
    python tests/fid/reference_fid.py --inception default_1.pt A.npy --npz B_STATS.npz

A.npy, B.npy: (N, C, H, W) float32 images in [-1, 1], C = 1 or 3. --npz reads the second side's
mu and sigma instead (KID then needs features and is null). The protocol: p = clamp((x + 1) *
127.5, 0, 255), F.interpolate to 299x299 (bilinear, align_corners=False, no antialias), gray
repeated to RGB, (p - 128) / 128. FID's matrix square root is scipy.linalg.sqrtm when SciPy is
importable, else NumPy eigh of sqrt(S1) S2 sqrt(S1) ("sqrtm" in the output says which). KID:
unbiased MMD^2 with (x.y/d + 1)^3 over --kid-subsets subsets of min(n1, n2, 1000) rows, drawn with
torch.randperm on a CPU generator seeded --kid-seed (the first set, then the second, per subset:
the subsets srm-dist draws for the same seed), population std (np.std).
"""
import argparse
import json
import warnings

import numpy as np
import torch
import torch.nn.functional as F


def inception_input(x):
    x = ((x.float() + 1.0) * 127.5).clamp(0.0, 255.0)
    x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
    if x.shape[1] == 1:
        x = x.repeat(1, 3, 1, 1)
    return (x - 128.0) / 128.0


def features(module, path, batch_size, device):
    images = np.load(path, mmap_mode="r")
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise SystemExit(f"{path}: shape {images.shape}, expected (N, 1 or 3, H, W)")
    out = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            batch = torch.from_numpy(np.array(images[start:start + batch_size], dtype=np.float32)).to(device)
            out.append(module(inception_input(batch)).reshape(len(batch), -1).double().cpu().numpy())
    return np.concatenate(out)


def frechet_distance(mu1, s1, mu2, s2):
    try:
        import scipy.linalg

        covmean = scipy.linalg.sqrtm(s1 @ s2)
        trace_sqrt, method = float(np.trace(covmean).real), "scipy.linalg.sqrtm"
    except ImportError:
        values, vectors = np.linalg.eigh((s1 + s1.T) / 2)
        root = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
        middle = root @ s2 @ root
        trace_sqrt = float(np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)).sum())
        method = "numpy eigh"
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * trace_sqrt), method


def mmd2_unbiased(x, y):
    m, d = x.shape
    kxx, kyy, kxy = (x @ x.T / d + 1) ** 3, (y @ y.T / d + 1) ** 3, (x @ y.T / d + 1) ** 3
    return ((kxx.sum() - np.trace(kxx)) + (kyy.sum() - np.trace(kyy))) / (m * (m - 1)) - 2 * kxy.sum() / (m * m)


def kernel_distance(f1, f2, subsets, seed, subset_size):
    size = min(len(f1), len(f2), subset_size)
    generator = torch.Generator().manual_seed(seed)
    values = []
    for _ in range(subsets):
        rows1 = torch.randperm(len(f1), generator=generator)[:size].numpy()
        rows2 = torch.randperm(len(f2), generator=generator)[:size].numpy()
        values.append(mmd2_unbiased(f1[rows1], f2[rows2]))
    return float(np.mean(values)), float(np.std(values)), size


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("images", nargs="+", help="A.npy [B.npy]")
    parser.add_argument("--npz", help="the second side's statistics (mu, sigma) instead of B.npy")
    parser.add_argument("--inception", required=True, help="the TorchScript feature extractor")
    parser.add_argument("--kid-subsets", type=int, default=100)
    parser.add_argument("--kid-seed", type=int, default=0)
    parser.add_argument("--kid-subset-size", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    if len(args.images) != (1 if args.npz else 2):
        parser.error("give A.npy B.npy, or A.npy --npz STATS.npz")

    warnings.filterwarnings("ignore", message=r".*torch\.jit\..* is deprecated")
    module = torch.jit.load(args.inception, map_location=args.device).eval()
    f1 = features(module, args.images[0], args.batch_size, args.device)
    mu1, s1 = f1.mean(0), np.cov(f1, rowvar=False)
    result = {"n1": len(f1)}
    if args.npz:
        stats = np.load(args.npz)
        mu2, s2 = stats["mu"].astype(np.float64), stats["sigma"].astype(np.float64)
        result.update(n2=None, kid_mean=None, kid_std=None, kid_subsets=0, kid_subset_size=0)
    else:
        f2 = features(module, args.images[1], args.batch_size, args.device)
        mu2, s2 = f2.mean(0), np.cov(f2, rowvar=False)
        mean, std, size = kernel_distance(f1, f2, args.kid_subsets, args.kid_seed, args.kid_subset_size)
        result.update(n2=len(f2), kid_mean=mean, kid_std=std, kid_subsets=args.kid_subsets, kid_subset_size=size)
    result["fid"], result["sqrtm"] = frechet_distance(mu1, s1, mu2, s2)
    result["protocol"] = "[-1,1] -> [0,255], F.interpolate bilinear 299x299 align_corners=False, gray -> RGB, (x-128)/128"
    print(json.dumps(result))


if __name__ == "__main__":
    main()
