"""Side-by-side: `srm-dist bench` against the plain PyTorch reference (bench/reference_train.py,
run by the same torch wheel whose LibTorch srm-dist links), alternating A B A B in one session,
per workload; the machine's fp32 matmul rate through LibTorch (torch.mm); and the sampler's
achieved FLOP/s as a fraction of it (forward + input-gradient backward = 2 x the forward FLOPs
per Langevin step).

    ~/.local/share/srm-dist/venv/bin/python bench/compare.py [--binary build/src/srm-dist] [--repeats 2] [--device cuda]
"""
import argparse
import re
import statistics
import subprocess
import sys
import time

import torch

# name: (srm-dist arguments, reference arguments, FLOPs description)
WORKLOADS = {
    "mlp-2d (rings: MLP 3x128, K=40, batch 256)": (
        ["--config", "configs/rings.yaml", "--set", "train.iterations=101"],
        ["--kind", "mlp", "--steps", "40", "--batch", "256", "--iterations", "101", "--hidden", "128", "--layers", "3"],
        ("mlp", dict(hidden=128, layers=3), 40, 256)),
    "convnet-32 (Fashion-MNIST: n_f 16, K=40, batch 32)": (
        ["--config", "configs/fashion_mnist_quick.yaml", "--set", "train.iterations=11", "--set", "data.max_examples=512"],
        ["--kind", "convnet", "--size", "32", "--channels", "1", "--nf", "16", "--steps", "40", "--batch", "32",
         "--iterations", "11"],
        ("convnet", dict(size=32, channels=1, nf=16), 40, 32)),
    "convnet-32 paper width (n_f 64, K=10, batch 32)": (
        ["--config", "configs/fashion_mnist_quick.yaml", "--set", "train.iterations=4", "--set", "data.max_examples=256",
         "--set", "model.n_f=64", "--set", "sampler.steps=10"],
        ["--kind", "convnet", "--size", "32", "--channels", "1", "--nf", "64", "--steps", "10", "--batch", "32",
         "--iterations", "4"],
        ("convnet", dict(size=32, channels=1, nf=64), 10, 32)),
    "convnet-64 (n_f 32, K=10, batch 16)": (
        ["--config", "configs/fashion_mnist_quick.yaml", "--set", "train.iterations=4", "--set", "data.max_examples=256",
         "--set", "data.image_size=64", "--set", "model.n_f=32", "--set", "sampler.steps=10",
         "--set", "train.batch_size=16"],
        ["--kind", "convnet", "--size", "64", "--channels", "1", "--nf", "32", "--steps", "10", "--batch", "16",
         "--iterations", "4"],
        ("convnet", dict(size=64, channels=1, nf=32), 10, 16)),
}


def forward_flops(kind, hidden=0, layers=0, size=0, channels=0, nf=0):
    """Multiply-adds x 2 of one example's forward pass (bias and activations left out)."""
    if kind == "mlp":
        widths = [2] + [hidden] * layers + [1]
        return sum(2 * a * b for a, b in zip(widths, widths[1:]))
    flops = 2 * channels * 9 * nf * size * size  # 3x3 stride 1
    width, mult, s = nf, 1, size
    while s > 4:
        mult = min(mult * 2, 8)
        s //= 2
        flops += 2 * width * 16 * nf * mult * s * s  # 4x4 stride 2
        width = nf * mult
    return flops + 2 * width * 16  # final 4x4 valid conv to 1x1


def matmul_gflops(device="cpu", n=1024, seconds=2.0):
    """fp32 matmul rate (TF32 off, as torch's default for matmuls), at 8192^2 on a GPU."""
    n = 8192 if device == "cuda" else n
    a, b = torch.rand(n, n, device=device), torch.rand(n, n, device=device)
    torch.mm(a, b)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    sync()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        torch.mm(a, b)
        count += 1
    sync()
    return 2 * n ** 3 * count / (time.perf_counter() - start) / 1e9


def run_srm(binary, args, device):
    out = subprocess.run([binary, "bench", *args, "--set", f"train.device={device}", "--set", "output.dir=/tmp/srm-bench-compare",
                          "--set", "output.overwrite=true"], capture_output=True, text=True, check=True).stdout
    total = float(re.search(r"total\s+([\d.]+) ms", out).group(1))
    sampler = float(re.search(r"sampler \(K steps\)\s+([\d.]+) ms", out).group(1))
    return total, sampler


def run_reference(args, device):
    out = subprocess.run([sys.executable, "bench/reference_train.py", *args, "--device", device], capture_output=True,
                         text=True, check=True).stdout
    m = re.search(r"ms/iteration ([\d.]+) sampler_ms ([\d.]+)", out)
    return float(m.group(1)), float(m.group(2))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default="build/src/srm-dist")
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--device", default="cpu", help="cpu or cuda (both sides, and the matmul rate)")
    a = p.parse_args()
    peak = matmul_gflops(a.device)
    where = f"{torch.get_num_threads()} threads" if a.device == "cpu" else torch.cuda.get_device_name()
    print(f"fp32 matmul through LibTorch ({where}): {peak:.1f} GFLOP/s")
    print("| workload | srm-dist ms/it | PyTorch ms/it | ratio | srm-dist sampler GFLOP/s | of matmul |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, (srm_args, ref_args, (kind, shape, k, batch)) in WORKLOADS.items():
        srm, ref = [], []
        for _ in range(a.repeats):  # alternate, so drift in the machine hits both alike
            srm.append(run_srm(a.binary, srm_args, a.device))
            ref.append(run_reference(ref_args, a.device))
        srm_total = statistics.median(t for t, _ in srm)
        srm_sampler = statistics.median(s for _, s in srm)
        ref_total = statistics.median(t for t, _ in ref)
        flops = 2 * forward_flops(kind, **shape) * k * batch
        achieved = flops / (srm_sampler / 1000) / 1e9
        print(f"| {name} | {srm_total:.2f} | {ref_total:.2f} | {srm_total / ref_total:.3f} | {achieved:.1f} | "
              f"{achieved / peak:.1%} |", flush=True)


if __name__ == "__main__":
    main()
