"""Train the project's Fashion-MNIST classifier and save it as TorchScript feature extractor
and classifier for `srm-dist eval` (our own FID-like measurements; NOT comparable to published
FID, which uses Inception-v3 features on natural images).

    ~/.local/share/srm-dist/venv/bin/python datasets/train_fashion_classifier.py --out data/fashion_classifier

writes data/fashion_classifier_features.pt (images -> 128 features, the penultimate layer) and
data/fashion_classifier_logits.pt (images -> 10 logits). Both take float32 (B, 1, S, S) in
[-1, 1] at any side S (resized inside to 32x32), as srm-dist passes its samples. Trains on the
60,000 training images, reports accuracy on the 10,000 test images.
"""
import argparse
import gzip
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

FOLDER = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def to_model_space(images):
    """uint8 (N, 28, 28) -> float32 (N, 1, 32, 32) in [-1, 1], as srm-dist's loader makes them."""
    x = torch.from_numpy(images.astype(np.float32) / 127.5 - 1).unsqueeze(1)
    return F.interpolate(x, size=(32, 32), mode="bilinear", align_corners=False)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.fc = nn.Linear(128, 128)
        self.out = nn.Linear(128, 10)

    def features(self, x):
        if x.shape[-1] != 32:
            x = F.interpolate(x, size=(32, 32), mode="bilinear", align_corners=False)
        return F.relu(self.fc(self.conv(x).flatten(1)))

    def forward(self, x):
        return self.out(self.features(x))


class Features(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net.features(x)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="data/fashion_classifier")
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    torch.manual_seed(0)
    x = to_model_space(read_idx(f"{FOLDER}/train-images-idx3-ubyte.gz"))
    y = torch.from_numpy(read_idx(f"{FOLDER}/train-labels-idx1-ubyte.gz").astype(np.int64))
    xt = to_model_space(read_idx(f"{FOLDER}/t10k-images-idx3-ubyte.gz"))
    yt = torch.from_numpy(read_idx(f"{FOLDER}/t10k-labels-idx1-ubyte.gz").astype(np.int64))
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    start = time.time()
    for epoch in range(args.epochs):
        order = torch.randperm(len(x))
        for i in range(0, len(x), 128):
            idx = order[i:i + 128]
            loss = F.cross_entropy(net(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            acc = sum((net(xt[i:i + 1000]).argmax(1) == yt[i:i + 1000]).sum().item() for i in range(0, len(xt), 1000))
        print(f"epoch {epoch + 1}: test accuracy {acc / len(xt):.4f} ({time.time() - start:.0f} s)", flush=True)
    net.eval()
    torch.jit.script(Features(net)).save(args.out + "_features.pt")
    torch.jit.script(net).save(args.out + "_logits.pt")
    print(f"wrote {args.out}_features.pt and {args.out}_logits.pt")


if __name__ == "__main__":
    main()
