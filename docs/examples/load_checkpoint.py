"""Load an srm-dist checkpoint into the equivalent torch.nn module, and look at stored samples.

    python docs/examples/load_checkpoint.py runs/celeba128-.../checkpoints/ckpt_00010000.h5
    python docs/examples/load_checkpoint.py runs/rings-.../archive.h5           # newest snapshot
    python docs/examples/load_checkpoint.py CKPT.h5 --energy-of-ramp            # f(x) of a fixed input

Needs torch, h5py and numpy (the project's venv has all three). The module is rebuilt from the
stored tensors' shapes and the config's leaky_slope, so it needs no srm-dist code: the C++
energies are nn.Sequential stacks whose indices give the parameter names ("net.0.weight", ...).
"""
import argparse
import os
import re

import h5py
import numpy as np
import torch
from torch import nn


class Energy(nn.Module):
    """f_theta(x): the C++ MlpEnergy / ConvEnergy, layer for layer."""

    def __init__(self, params, leaky_slope, mlp_activation):
        super().__init__()
        weights = [k for k in params if k.endswith(".weight")]
        weights.sort(key=lambda k: int(k.split(".")[1]))
        layers, position = [], 0
        for i, name in enumerate(weights):
            index = int(name.split(".")[1])
            while position < index:  # the activation between two parameterised layers
                layers.append(nn.SiLU() if mlp_activation == "silu" and params[name].dim() == 2
                              else nn.LeakyReLU(leaky_slope))
                position += 1
            w = params[name]
            if w.dim() == 2:  # MLP: Linear layers
                layers.append(nn.Linear(w.shape[1], w.shape[0]))
            else:             # ConvNet: 3x3 stride 1 first, 4x4 stride 2 halvings, 4x4 valid last
                k = w.shape[-1]
                first, last = i == 0, i == len(weights) - 1
                stride, padding = (1, 1) if first else ((1, 0) if last else (2, 1))
                layers.append(nn.Conv2d(w.shape[1], w.shape[0], k, stride=stride, padding=padding))
            position += 1
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x).view(x.shape[0])


def datasets_of(group):
    return {name: torch.from_numpy(group[name][()]) for name in group if isinstance(group[name], h5py.Dataset)}


def read_parameters(path, weights="auto"):
    """(parameters, config YAML) from a checkpoint file or an archive's newest snapshot: the raw
    or, with train.ema, the averaged weights (weights: auto = ema when stored, raw, ema). With
    model.spectral_norm the stored weights are the raw W and the vectors u, v (weight_u,
    weight_v): the weights returned are W / sigma, sigma = u^T W v, what the C++ model computes with."""
    with h5py.File(path, "r") as f:
        config = f.attrs["config"]
        if "parameters" in f:  # a checkpoint file: /parameters, /buffers, /ema
            stored = datasets_of(f["parameters"])
            stored.update(datasets_of(f["buffers"]) if "buffers" in f else {})
            ema = datasets_of(f["ema"]) if "ema" in f else {}
        else:                  # an archive: /checkpoints/iter_XXXXXXXX (and its ema/ subgroup)
            group = f["checkpoints"][sorted(f["checkpoints"])[-1]]
            stored = datasets_of(group)
            ema = datasets_of(group["ema"]) if "ema" in group else {}
    if weights == "ema" and not ema:
        raise SystemExit(f"{path} holds no EMA weights (the run had train.ema = 0)")
    if weights != "raw" and ema:
        stored.update(ema)  # the averaged parameters (and their own u, v with spectral norm)
    params = {}
    for name, tensor in stored.items():
        if name.endswith(".weight_u") or name.endswith(".weight_v"):
            continue
        u, v = stored.get(name + "_u"), stored.get(name + "_v")
        if u is not None and v is not None:  # spectral normalisation
            tensor = tensor / torch.dot(u, tensor.reshape(tensor.shape[0], -1) @ v)
        params[name] = tensor
    return params, config if isinstance(config, str) else config.decode()


def config_value(config_yaml, key, default):
    match = re.search(rf"^\s*{key}:\s*(\S+)", config_yaml, re.MULTILINE)
    return match.group(1).strip('"') if match else default


def load_energy(path, weights="auto"):
    params, config = read_parameters(path, weights)
    energy = Energy(params, float(config_value(config, "leaky_slope", "0.2")),
                    config_value(config, "mlp_activation", "leaky_relu"))
    energy.load_state_dict(params, strict=True)  # names and shapes must match exactly
    return energy.eval(), config


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="checkpoint (checkpoints/ckpt_*.h5) or run archive (archive.h5)")
    parser.add_argument("--energy-of-ramp", action="store_true",
                        help="print f(x) for x = linspace(-1, 1) reshaped to 3 examples (a fixed test input)")
    parser.add_argument("--weights", choices=["auto", "raw", "ema"], default="auto",
                        help="the trained or the EMA weights (auto: EMA when the run kept them), as srm-dist sample")
    args = parser.parse_args()

    energy, config = load_energy(args.file, args.weights)
    print(energy)
    first = next(iter(energy.net.parameters()))
    example = (2,) if first.dim() == 2 else (first.shape[1], *([int(config_value(config, "image_size", "32"))] * 2))
    if args.energy_of_ramp:
        x = torch.linspace(-1, 1, 3 * int(np.prod(example))).reshape(3, *example)
        with torch.no_grad():
            print("energy_of_ramp", " ".join(f"{v:.9g}" for v in energy(x).tolist()))

    # Stored sample batches live in the run's archive, next to the checkpoints folder.
    archive = args.file if "checkpoints/ckpt_" not in args.file else args.file.split("checkpoints/ckpt_")[0] + "archive.h5"
    with h5py.File(archive, "r") as f:
        if "samples/images" in f:
            x = f["samples/images"][-1]
            it = int(f["samples/iteration"][-1])
            print(f"newest sample batch: iteration {it}, shape {x.shape}, range [{x.min():.3f}, {x.max():.3f}]")
            with torch.no_grad():
                print("mean f(x-) of that batch:", energy(torch.from_numpy(x)).mean().item())
            try:  # show it next to the archive, when matplotlib is installed
                import matplotlib
                matplotlib.use("Agg")
                import matplotlib.pyplot as plt
                if x.ndim == 2:
                    plt.scatter(x[:, 0], x[:, 1], s=2)
                else:  # up to 8 x 8 images, however few the batch holds
                    cols = min(8, len(x))
                    rows = min(8, len(x) // cols)
                    grid = np.concatenate([np.concatenate(list(x[r * cols:(r + 1) * cols].transpose(0, 2, 3, 1)), 1)
                                           for r in range(rows)], 0)
                    plt.imshow((grid.squeeze() + 1) / 2, cmap="gray")
                png = os.path.join(os.path.dirname(os.path.abspath(archive)), "samples_from_python.png")
                plt.savefig(png)
                print(f"wrote {png}")
            except ImportError:
                pass
            except OSError as e:  # a read-only run directory: the numbers above still stand
                print(f"could not write the sample picture: {e}")


if __name__ == "__main__":
    main()
