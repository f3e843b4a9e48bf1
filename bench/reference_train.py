"""Plain PyTorch reference of Algorithm 1 (short-run MCMC EBM training), for side-by-side timing
against `srm-dist bench`. Same model layout as srm-dist (MLP energy for 2-D points, the paper's
ConvNet for images), same K, batch, Langevin step and noise, Adam; data are fixed random
tensors of the right shape (timing only). Prints the mean milliseconds per iteration over the
iterations after the first (the warm-up), and the sampler's share.

    python bench/reference_train.py --kind mlp --steps 40 --batch 256
    python bench/reference_train.py --kind convnet --size 32 --channels 1 --nf 16 --steps 40 --batch 32
"""
import argparse
import time

import torch
from torch import nn


def mlp(hidden, layers, slope):
    mods, width = [], 2
    for _ in range(layers):
        mods += [nn.Linear(width, hidden), nn.LeakyReLU(slope)]
        width = hidden
    return nn.Sequential(*mods, nn.Linear(width, 1))


def convnet(channels, size, nf, mult_cap, slope):
    mods = [nn.Conv2d(channels, nf, 3, 1, 1), nn.LeakyReLU(slope)]
    width, mult, s = nf, 1, size
    while s > 4:
        mult = min(mult * 2, mult_cap)
        mods += [nn.Conv2d(width, nf * mult, 4, 2, 1), nn.LeakyReLU(slope)]
        width, s = nf * mult, s // 2
    return nn.Sequential(*mods, nn.Conv2d(width, 1, 4, 1, 0))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kind", choices=["mlp", "convnet"], required=True)
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--iterations", type=int, default=21)
    p.add_argument("--step-size", type=float, default=1.0)
    p.add_argument("--noise", type=float, default=0.01)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--channels", type=int, default=1)
    p.add_argument("--nf", type=int, default=64)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    a = p.parse_args()
    device = torch.device(a.device)

    def sync():  # GPU work is asynchronous: time it to completion
        if device.type == "cuda":
            torch.cuda.synchronize()

    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    if a.kind == "mlp":
        f, shape = mlp(a.hidden, a.layers, 0.2), (2,)
    else:
        f, shape = convnet(a.channels, a.size, a.nf, 8, 0.2), (a.channels, a.size, a.size)
    f = f.to(device)
    opt = torch.optim.Adam(f.parameters(), lr=1e-4, betas=(0.9, 0.999))
    data = torch.rand(a.batch, *shape, device=device) * 2 - 1
    for q in f.parameters():
        q.requires_grad_(True)
    total = sampler = 0.0
    for it in range(a.iterations):
        sync()
        t0 = time.perf_counter()
        x_pos = data + 0.03 * torch.randn_like(data)
        x = torch.rand(a.batch, *shape, device=device) * 2 - 1
        for _ in range(a.steps):  # Langevin: input gradients only
            x = x.detach().requires_grad_(True)
            g, = torch.autograd.grad(f(x).sum(), [x])
            x = x + a.step_size * g + a.noise * torch.randn_like(x)
        sync()
        t1 = time.perf_counter()
        loss = f(x.detach()).mean() - f(x_pos).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sync()
        t2 = time.perf_counter()
        if it > 0:
            total += t2 - t0
            sampler += t1 - t0
    n = a.iterations - 1
    print(f"reference ms/iteration {1000 * total / n:.3f} sampler_ms {1000 * sampler / n:.3f} "
          f"threads {torch.get_num_threads()}")


if __name__ == "__main__":
    main()
