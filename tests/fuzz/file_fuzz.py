#!/usr/bin/env python3
"""File-fuzzing harness for srm-dist: every file kind the program reads, mutated.

It builds intact base files once (a rings run with two checkpoints and its archive, a small
ConvNet run, a run of the shipped Fashion-MNIST config, a samples file, an IDX file plain and
gzip'd, a CIFAR-10 batch, an HDF5 image set, a statistics .npz when `srm-dist fid` exists),
records what each reading command does on the intact files, then derives seeded mutants (byte
flips, runs of flipped bytes, truncations, zeroed blocks, header fields set to huge values,
strided flips; where `.sha256` sidecars exist, a few mutants of the sidecar and a few copies
without it) and runs the commands that read that kind on each mutant, with a time limit per run.

A run passes when it exits 0 with the right result, or exits non-zero with a line
`srm-dist: ...` naming the file. It fails on a signal, a time-out, an error that does not name
the file, or an exit 0 whose result differs where the result is checkable: a resume must end
bit-identical to the intact resume, and a command on a sealed file (checkpoint, samples,
statistics) must print or write exactly what it does for the intact file. For files without a
checksum (the live archive, user data files) an exit 0 with another result is accepted and
counted. Failures print the seed, the mutation and the command, with an `--only ID` line to
reproduce one mutant. See tests/fuzz/README.md.
"""

import argparse
import concurrent.futures
import dataclasses
import gzip
import hashlib
import io
import itertools
import json
import os
import random
import re
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import h5py
import numpy as np

HARNESS_VERSION = 2  # bump to rebuild cached base files after changing how they are made
REPO = Path(__file__).resolve().parents[2]
FASHION_TEST_IMAGES = Path("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")
RINGS_ITERATIONS, RINGS_RESUME_TO = 4, 6  # checkpoints at 2 and 4; resumes extend to 6
CONV_ITERATIONS, CONV_RESUME_TO = 2, 3    # checkpoints at 1 and 2

RINGS_YAML = f"""\
data: {{dataset: rings, toy_examples: 2000, prefetch: 0}}
model: {{type: mlp, mlp_hidden: 16, mlp_layers: 2}}
sampler: {{steps: 5}}
train: {{iterations: {RINGS_ITERATIONS}, batch_size: 32, lr: 0.001, seed: 3, device: cpu, threads: 1}}
output: {{log_every: 1, sample_every: 2, checkpoint_every: 2, samples_kept: 16, tensorboard: false}}
"""
IMAGES_YAML = f"""\
data: {{dataset: fashion_mnist, path: idx/train-small.idx, image_size: 16, prefetch: 0}}
model: {{type: convnet, n_f: 8}}
sampler: {{steps: 3}}
train: {{iterations: {CONV_ITERATIONS}, batch_size: 16, lr: 0.0003, seed: 1, device: cpu, threads: 1}}
output: {{log_every: 1, sample_every: 1, checkpoint_every: 1, samples_kept: 16, tensorboard: false}}
"""


class SetupError(RuntimeError):
    """The intact base files could not be built or read: the harness itself cannot run."""


# ----------------------------------------------------------------------------------------------
# Running srm-dist
# ----------------------------------------------------------------------------------------------

@dataclasses.dataclass
class RunResult:
    argv: List[str]
    returncode: Optional[int]  # None: timed out
    stdout: str
    stderr: str
    seconds: float

    def status(self) -> str:
        if self.returncode is None:
            return "timed out"
        if self.returncode < 0:
            try:
                return f"signal {signal.Signals(-self.returncode).name} ({self.returncode})"
            except ValueError:
                return f"signal {-self.returncode}"
        return f"exit {self.returncode}"

    def message(self) -> str:
        """The program's own error line when there is one, else the last line of stderr."""
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        own = [line for line in lines if line.startswith("srm-dist:")]
        return (own or lines or [""])[-1]


@dataclasses.dataclass
class Runner:
    """Runs srm-dist with a time limit, an address-space limit and a nice level, in its own
    process group (killed as a whole on time-out), always from the base folder."""
    srm: str
    cwd: Path
    timeout: float
    nice: int
    memory_mb: int

    def run(self, argv: List[str], timeout: Optional[float] = None) -> RunResult:
        wrapper = f'ulimit -v {self.memory_mb * 1024} && exec nice -n {self.nice} "$@"'
        env = dict(os.environ, OMP_NUM_THREADS="1")
        start = time.monotonic()
        process = subprocess.Popen(["/bin/sh", "-c", wrapper, "sh"] + argv, cwd=self.cwd, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   errors="replace", start_new_session=True)
        try:
            stdout, stderr = process.communicate(timeout=timeout or self.timeout)
            code: Optional[int] = process.returncode
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            code = None
        return RunResult(argv, code, stdout, stderr, time.monotonic() - start)

    def must(self, argv: List[str], what: str) -> RunResult:
        result = self.run(argv, timeout=max(self.timeout, 120))
        if result.returncode != 0:
            raise SetupError(f"{what}: {shlex.join(argv)} ended with {result.status()}: {result.message()}")
        return result


def available_commands(runner: Runner) -> List[str]:
    text = runner.must([runner.srm, "--help"], "srm-dist --help").stdout
    match = re.search(r"^Commands: (.*?)(?: \(|$)", text, re.M)
    return [c.strip() for c in match.group(1).split(",")] if match else []


def fid_usage(runner: Runner) -> str:
    """The usage line of `srm-dist fid --help` (the fid command is newer than this harness)."""
    text = runner.must([runner.srm, "fid", "--help"], "srm-dist fid --help").stdout
    return next((line for line in text.splitlines() if "usage" in line.lower()), text[:200])


# ----------------------------------------------------------------------------------------------
# Results: what a command produced, reduced to something comparable with the intact run
# ----------------------------------------------------------------------------------------------

def hash_datasets(path: Path, group: str = "/") -> str:
    digest = hashlib.sha256()
    with h5py.File(path, "r") as f:
        names: List[str] = []
        f[group].visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
        for name in sorted(names):
            data = np.ascontiguousarray(f[group][name][()])
            digest.update(f"{name}|{data.dtype.str}|{data.shape}|".encode())
            digest.update(data.tobytes())
    return digest.hexdigest()


def output_file_digest(path: Path) -> str:
    try:
        return hash_datasets(path)
    except Exception as e:  # noqa: BLE001 - any unreadable output is a "different result"
        return f"unreadable {path.name}: {e}"


def final_parameters_digest(run_dir: Path) -> str:
    """The newest checkpoint's name and a hash of its /parameters."""
    checkpoints = sorted((run_dir / "checkpoints").glob("ckpt_*.h5"))
    if not checkpoints:
        return "no checkpoint"
    try:
        return f"{checkpoints[-1].name}:{hash_datasets(checkpoints[-1], 'parameters')}"
    except Exception as e:  # noqa: BLE001
        return f"unreadable {checkpoints[-1].name}: {e}"


PROGRESS_LINE = re.compile(r"\d+/\d+ +[\d.]+% \| .* it/s \| elapsed ")


def normalised_stdout(result: RunResult, root: Path) -> str:
    """stdout without progress lines (their speeds vary), the mutant's folder as <ROOT>."""
    lines = [line for line in result.stdout.splitlines() if not PROGRESS_LINE.search(line)]
    return "\n".join(lines).replace(str(root), "<ROOT>")


# ----------------------------------------------------------------------------------------------
# Mutations: each takes the file's bytes and a seeded generator, returns new bytes and a text
# ----------------------------------------------------------------------------------------------

Field = Tuple[int, int, str, str]  # offset, width in bytes, "<" or ">", what it is
Mutation = Callable[[bytes, random.Random], Tuple[bytes, str]]


def xor_positions(data: bytes, positions: List[int], value: int = 0xFF) -> bytes:
    out = bytearray(data)
    for p in positions:
        out[p] ^= value
    return bytes(out)


def flip_bytes(data: bytes, rng: random.Random) -> Tuple[bytes, str]:
    positions = sorted(rng.randrange(len(data)) for _ in range(rng.randint(1, 8)))
    value = rng.randrange(1, 256)
    return xor_positions(data, positions, value), f"xor 0x{value:02x} at offsets {positions}"


def flip_run(data: bytes, rng: random.Random) -> Tuple[bytes, str]:
    length = rng.randint(2, 64)
    start = rng.randrange(max(1, len(data) - length))
    return xor_positions(data, list(range(start, min(len(data), start + length)))), \
        f"xor 0xff over {length} bytes from offset {start}"


def strided_flip(start: int, step: int) -> Mutation:
    def mutate(data: bytes, rng: random.Random) -> Tuple[bytes, str]:
        return xor_positions(data, list(range(start, len(data), step))), \
            f"xor 0xff at every {step}th byte from offset {start}"
    return mutate


def random_strided_flip(data: bytes, rng: random.Random) -> Tuple[bytes, str]:
    return strided_flip(rng.randrange(min(4096, len(data))), rng.randint(101, 3001))(data, rng)


def truncate(data: bytes, rng: random.Random) -> Tuple[bytes, str]:
    length = rng.randrange(min(len(data), 1024)) if rng.random() < 0.3 else rng.randrange(len(data))
    return data[:length], f"truncated to {length} of {len(data)} bytes"


def zero_block(data: bytes, rng: random.Random) -> Tuple[bytes, str]:
    length = rng.choice([16, 64, 512, 4096])
    start = rng.randrange(max(1, len(data) - length))
    end = min(len(data), start + length)
    return data[:start] + bytes(end - start) + data[end:], f"zeroed {end - start} bytes from offset {start}"


def append_bytes(data: bytes, rng: random.Random) -> Tuple[bytes, str]:
    extra = rng.choice([1, 17, 3073, 65536])
    return data + bytes(rng.randrange(256) for _ in range(extra)), f"{extra} random bytes appended"


def huge_value(rng: random.Random, original: int, width: int) -> int:
    mask = (1 << (8 * width)) - 1
    candidates = [mask, mask >> 1, 1 << (8 * width - 1), original ^ (0xFF << 8 * min(2, width - 1)),
                  original * 1000003 + 7, 0x10000000, 4097]
    return rng.choice(candidates) & mask


def set_field(data: bytes, field: Field, rng: random.Random) -> Tuple[bytes, str]:
    offset, width, endian, what = field
    fmt = endian + {1: "B", 2: "H", 4: "I", 8: "Q"}[width]
    original = struct.unpack_from(fmt, data, offset)[0]
    value = huge_value(rng, original, width)
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out), f"{what} at offset {offset}: {original} -> {value}"


def layout_messages(data: bytes) -> List[Tuple[int, List[int]]]:
    """(start, offsets of its 4-byte chunk dimensions) of each chunked layout message (version
    3) in the object headers. A message is type (2), size (2), flags (1), reserved (3), body."""
    found = []
    for m in re.finditer(rb"\x08\x00..[\x00-\xff]\x00\x00\x00\x03\x02([\x02-\x20])", data, re.S):
        first = m.end() + 8  # after the chunk B-tree's 8-byte address
        found.append((m.start(), [first + 4 * i for i in range(m.group(1)[0]) if first + 4 * i + 4 <= len(data)]))
    return found


def dataspace_messages(data: bytes) -> List[Tuple[int, List[int]]]:
    """(start, offsets of its 8-byte dimensions) of each dataspace message (version 1 or 2)."""
    found = []
    for m in re.finditer(rb"\x01\x00..[\x00-\xff]\x00\x00\x00([\x01\x02])([\x01-\x20])", data, re.S):
        first = m.end() + (6 if m.group(1) == b"\x01" else 2)
        found.append((m.start(), [first + 8 * i for i in range(m.group(2)[0]) if first + 8 * i + 8 <= len(data)]))
    return found


def hdf5_fields(data: bytes) -> List[Field]:
    """Size and address fields of an HDF5 file: superblock addresses, dataspace dimensions,
    chunk dimensions of layout messages, heap and B-tree sizes (version-0 structures, what
    Debian's HDF5 and h5py write by default)."""
    fields: List[Field] = []
    if data[:8] == b"\x89HDF\r\n\x1a\n" and len(data) > 72:
        eof, root = (40, 64) if data[8] in (0, 1) else (28, 36)  # superblock versions 0/1 and 2/3
        fields += [(eof, 8, "<", "superblock end-of-file address"), (root, 8, "<", "superblock root object header address")]
        if data[8] in (0, 1):
            fields.append((32, 8, "<", "superblock free-space address"))
    fields += [(offset, 4, "<", f"chunk dimension {i} of the layout message at {start}")
               for start, offsets in layout_messages(data) for i, offset in enumerate(offsets)]
    fields += [(offset, 8, "<", f"dimension {i} of the dataspace message at {start}")
               for start, offsets in dataspace_messages(data) for i, offset in enumerate(offsets)]
    structures = {b"GCOL": [(8, 8, "global heap collection size")],
                  b"HEAP": [(8, 8, "local heap data size"), (16, 8, "local heap free-list offset"),
                            (24, 8, "local heap data address")],
                  b"TREE": [(6, 2, "B-tree entries used")], b"SNOD": [(6, 2, "symbol table node symbols")]}
    for signature, members in structures.items():
        for m in re.finditer(re.escape(signature), data):
            fields += [(m.start() + off, width, "<", f"{what} ({signature.decode()} at {m.start()})")
                       for off, width, what in members if m.start() + off + width <= len(data)]
    return fields


def idx_fields(data: bytes) -> List[Field]:
    return [(4, 4, ">", "IDX image count"), (8, 4, ">", "IDX rows"), (12, 4, ">", "IDX columns")]


def zip_fields(data: bytes) -> List[Field]:
    """Size and offset fields of a .npz (zip) file's local, central and end-of-directory headers."""
    members = {b"PK\x03\x04": [(18, 4, "compressed size"), (22, 4, "uncompressed size"), (26, 2, "name length")],
               b"PK\x01\x02": [(20, 4, "compressed size"), (24, 4, "uncompressed size"), (42, 4, "header offset")],
               b"PK\x05\x06": [(12, 4, "central directory size"), (16, 4, "central directory offset")]}
    fields: List[Field] = []
    for signature, layout in members.items():
        for m in re.finditer(re.escape(signature), data):
            fields += [(m.start() + off, width, "<", f"zip {what} at {m.start()}") for off, width, what in layout]
    return fields


def npy_huge_shape(data: bytes, rng: random.Random) -> Tuple[bytes, str]:
    """A valid zip whose npy member claims a huge first dimension (the header's padding is
    shortened to keep its length); a zip header field instead when that cannot be done."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = [(info, z.read(info)) for info in z.infolist()]
    except (zipfile.BadZipFile, OSError):
        members = []
    for index in rng.sample(range(len(members)), len(members)):
        info, content = members[index]
        m = re.search(rb"'shape': \((\d+)", content)
        end = content.find(b"\n", m.end()) if m else -1
        padding = len(content[m.end():end]) - len(content[m.end():end].rstrip(b" ")) if m and end > 0 else 0
        if padding < 2:
            continue
        digits = b"9" * (len(m.group(1)) + min(padding - 1, 12))
        members[index] = (info, content[:m.start(1)] + digits + content[m.end():end - len(digits) + len(m.group(1))]
                          + content[end:])
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for member, member_content in members:
                z.writestr(member, member_content)
        return out.getvalue(), f"npy member {info.filename}: first dimension {m.group(1).decode()} -> {digits.decode()}"
    return huge_header(zip_fields)(data, rng)


def huge_header(field_finder: Callable[[bytes], List[Field]]) -> Mutation:
    def mutate(data: bytes, rng: random.Random) -> Tuple[bytes, str]:
        fields = [f for f in field_finder(data) if f[0] + f[1] <= len(data)]
        if not fields:
            return flip_bytes(data, rng)
        return set_field(data, rng.choice(fields), rng)
    return mutate


def inside_gzip(mutation: Mutation) -> Mutation:
    """Applies a mutation to the decompressed content and compresses again (a valid gzip
    stream whose content lies)."""
    def mutate(data: bytes, rng: random.Random) -> Tuple[bytes, str]:
        inner, text = mutation(gzip.decompress(data), rng)
        return gzip.compress(inner, mtime=0), f"inside the gzip stream: {text}"
    return mutate


def chunk_dimension(layout_index: int, dimension: int, byte: int) -> Mutation:
    """xor 0xff into one byte of one chunk dimension of the n-th layout message."""
    def mutate(data: bytes, rng: random.Random) -> Tuple[bytes, str]:
        offset = layout_messages(data)[layout_index][1][dimension] + byte
        return xor_positions(data, [offset]), (f"xor 0xff into byte {byte} of chunk dimension {dimension} of layout "
                                                f"message {layout_index} (offset {offset})")
    return mutate


def empty_chunk_btree(index: int) -> Mutation:
    """The index-th chunk B-tree node (node type 1, in file order) claims no entries: HDF5 then
    reads the dataset's fill value (zeros) without an error, and no chunk checksum is read."""
    def mutate(data: bytes, rng: random.Random) -> Tuple[bytes, str]:
        nodes = [m.start() for m in re.finditer(b"TREE", data)
                 if m.start() + 8 <= len(data) and data[m.start() + 4] == 1]
        out = bytearray(data)
        struct.pack_into("<H", out, nodes[index] + 6, 0)
        return bytes(out), f"entries used of chunk B-tree {index} (TREE at {nodes[index]}) set to 0"
    return mutate


def npz_huge_header(data: bytes, rng: random.Random) -> Tuple[bytes, str]:
    return (npy_huge_shape if rng.random() < 0.5 else huge_header(zip_fields))(data, rng)


GENERIC_MUTATIONS: List[Tuple[Mutation, int]] = [(flip_bytes, 3), (flip_run, 2), (truncate, 2), (zero_block, 2),
                                                 (random_strided_flip, 1)]
HUGE_HEADERS: Dict[str, Mutation] = {
    "hdf5": huge_header(hdf5_fields), "idx": huge_header(idx_fields), "idx-gz": inside_gzip(huge_header(idx_fields)),
    "npz": npz_huge_header, "cifar": append_bytes,  # CIFAR batches have no header: a wrong size instead
}


def random_mutation(file_format: str, rng: random.Random) -> Mutation:
    choices = GENERIC_MUTATIONS + [(HUGE_HEADERS[file_format], 3)]
    return rng.choices([m for m, _ in choices], weights=[w for _, w in choices])[0]


def sidecar_mutation(data: bytes, rng: random.Random) -> Tuple[bytes, str]:
    text = data.decode(errors="replace")
    variants = [
        ("one digest digit changed", lambda: ("0" if text[0] != "0" else "1") + text[1:]),
        ("another file's name", lambda: text.split("  ")[0] + "  other.h5\n"),
        ("empty", lambda: ""),
        ("digest cut short", lambda: text[:rng.randrange(1, 64)]),
        ("a huge line", lambda: "f" * (4 << 20) + "  " + text.split("  ")[-1]),
        ("two lines", lambda: text + text),
    ]
    what, make = rng.choice(variants)
    return make().encode(), f"sidecar {what}"


# ----------------------------------------------------------------------------------------------
# Kinds, commands and mutants
# ----------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Context:
    runner: Runner
    base: Path
    features: Optional[Path]  # eval's TorchScript extractor (None: eval skipped)
    fid_takes_features: bool
    commands: List[str]       # srm-dist's own command list


@dataclasses.dataclass
class Kind:
    name: str
    tree: str                 # folder under base/ copied for each mutant
    target: str               # the file mutated, relative to the tree
    file_format: str          # hdf5 | idx | idx-gz | cifar | npz
    sealed: bool              # written with a checksum by srm-dist: results must never differ
    weight: int               # share of the random mutants
    plans: List[Tuple[str, ...]]  # the commands of mutant k: plans[k % len(plans)]
    run: str = ""             # the run directory in the tree (resume, sample RUN)
    source: str = ""          # what sample/interpolate/eval read, relative to the tree
    dataset: str = ""         # data kinds: data.dataset, and data.path is the target (or its folder)
    data_sets: Tuple[str, ...] = ()


KINDS: List[Kind] = [
    Kind("ckpt", "rings", "run/checkpoints/ckpt_00000004.h5", "hdf5", True, 40,
         [("inspect", "resume"), ("sample",), ("resume",), ("interpolate",), ("eval",), ("inspect", "sample")],
         run="run", source="run/checkpoints/ckpt_00000004.h5"),
    Kind("ckpt-conv", "conv", "run/checkpoints/ckpt_00000002.h5", "hdf5", True, 30,
         [("inspect",), ("sample",), ("inspect",), ("resume",)], run="run", source="run/checkpoints/ckpt_00000002.h5"),
    Kind("ckpt-fm", "fm", "run/checkpoints/ckpt_00000002.h5", "hdf5", True, 8, [("inspect",)], run="run"),
    Kind("archive", "rings", "run/archive.h5", "hdf5", False, 24, [("inspect",), ("resume",), ("sample",)],
         run="run", source="run"),
    Kind("samples", "samples", "a.h5", "hdf5", True, 16, [("inspect", "fid")]),
    Kind("npz", "npz", "a.npz", "npz", True, 12, [("fid",)]),
    Kind("idx", "idx", "train-small.idx", "idx", False, 18, [("train",), ("reconstruct",), ("eval",), ("fid",)],
         dataset="fashion_mnist"),
    Kind("idx-gz", "idx-gz", "train-small.idx.gz", "idx-gz", False, 18,
         [("train",), ("reconstruct",), ("eval",), ("fid",)], dataset="fashion_mnist"),
    Kind("cifar", "cifar", "data_batch_1.bin", "cifar", False, 14, [("train",)], dataset="cifar10",
         data_sets=("data.max_examples=64",)),
    Kind("hdf5", "hdf5", "images.h5", "hdf5", False, 20, [("train",), ("eval",), ("fid",)], dataset="hdf5"),
]
KIND_BY_NAME = {k.name: k for k in KINDS}


@dataclasses.dataclass
class Mutant:
    id: str
    kind: Kind
    commands: Tuple[str, ...]
    mutation: Optional[Mutation]  # None: the intact reference run
    rng_seed: str = ""
    sidecar: str = "keep"         # keep | mutate (the mutation applies to FILE.sha256) | remove

    def sealed(self) -> bool:
        """Whether the file it reads carries a checksum (a sealed file copied without its
        sidecar is an unsealed file: srm-dist can only probe it)."""
        return self.kind.sealed and self.sidecar != "remove"


def fixed_cases() -> List[Mutant]:
    """Crashes found once, kept for good (see README.md: adding a fixed case)."""
    return [
        # The case: srm-dist inspect died with SIGSEGV (exit 139) on the shipped
        # Fashion-MNIST config's 2-iteration checkpoint with every 997th byte flipped from 2000.
        Mutant("fixed.fm-stride997", KIND_BY_NAME["ckpt-fm"], ("inspect", "resume"), strided_flip(2000, 997)),
        # Found by this harness: a chunk dimension made huge in a layout message segfaulted
        # inspect (HDF5 reading the chunk) on the small ConvNet checkpoint.
        Mutant("fixed.conv-chunk-dim", KIND_BY_NAME["ckpt-conv"], ("inspect", "sample"), chunk_dimension(0, 1, 1)),
        # Found by this harness (seed 2, ckpt-conv.011): with one chunk B-tree emptied, HDF5 read
        # Adam's exp_avg of net.4.weight as zeros without an error and --resume went on from
        # it, exit 0, to different parameters: a silently different result.
        Mutant("fixed.conv-empty-btree", KIND_BY_NAME["ckpt-conv"], ("resume",), empty_chunk_btree(16)),
    ]


@dataclasses.dataclass
class Paths:
    root: Path   # the mutant's folder
    tree: Path   # its copy of the kind's tree (root/tree)
    out: Path    # outputs of its commands (root/out)


def command_argv(name: str, kind: Kind, p: Paths, ctx: Context) -> Tuple[List[str], Callable[[RunResult], str]]:
    """The command line of one command on one mutant, and how its result is read."""
    srm, conv_ckpt = ctx.runner.srm, str(ctx.base / "conv" / KIND_BY_NAME["ckpt-conv"].target)
    target = p.tree / kind.target
    data_path = str(target.parent if kind.dataset == "cifar10" else target)
    data_sets = sum((["--set", s] for s in (f"data.dataset={kind.dataset}", f"data.path={data_path}") + kind.data_sets),
                    []) if kind.dataset else []
    stdout = lambda r: normalised_stdout(r, p.root)  # noqa: E731
    if name == "inspect":
        return [srm, "inspect", str(target)], stdout
    if name == "resume":
        run = p.tree / kind.run
        to = RINGS_RESUME_TO if kind.tree == "rings" else CONV_RESUME_TO
        return [srm, "--config", str(run / "config.yaml"), "--set", f"output.dir={run}", "--resume",
                "--set", f"train.iterations={to}"], lambda r: final_parameters_digest(run)
    if name in ("sample", "interpolate"):
        count = "16" if name == "sample" else "2"
        return [srm, name, str(p.tree / kind.source), "-n", count, "-o", str(p.out / name)], \
            lambda r: output_file_digest(p.out / f"{name}.h5")
    if name == "eval":
        source = str(p.tree / kind.source) if kind.source else conv_ckpt
        return [srm, "eval", source, "--features", str(ctx.features), "-n", "32", "-o", str(p.out / "eval")] + \
            data_sets, stdout
    if name == "reconstruct":
        return [srm, "reconstruct", conv_ckpt, "-n", "2", "--steps", "2", "-o", str(p.out / "recon")] + data_sets, \
            lambda r: output_file_digest(p.out / "recon.h5")
    if name == "train":
        run = p.out / "run"
        return [srm, "--config", str(ctx.base / "images.yaml"), "--set", "train.iterations=1",
                "--set", f"output.dir={run}"] + data_sets, lambda r: final_parameters_digest(run)
    if name == "fid":
        other = ctx.base / "samples" / "b.h5"
        return [srm, "fid", str(target), str(other), "-n", "64"] + fid_features(ctx), stdout
    raise ValueError(name)


def fid_features(ctx: Context) -> List[str]:
    return ["--features", str(ctx.features)] if ctx.fid_takes_features and ctx.features else []


def usable(command: str, ctx: Context) -> bool:
    if command == "eval":
        return ctx.features is not None
    if command == "fid":
        return "fid" in ctx.commands and (ctx.features is not None or not ctx.fid_takes_features)
    return True


def plan_commands(kind: Kind, k: int, ctx: Context) -> Tuple[str, ...]:
    chosen = tuple(c for c in kind.plans[k % len(kind.plans)] if usable(c, ctx))
    return chosen or next(tuple(c for c in plan if usable(c, ctx)) for plan in kind.plans
                          if any(usable(c, ctx) for c in plan))


def kind_usable(kind: Kind, ctx: Context) -> bool:
    return any(usable(c, ctx) for plan in kind.plans for c in plan)


def random_mutants(kinds: List[Kind], total: int, seed: int, ctx: Context) -> List[Mutant]:
    """`total` mutants shared over the kinds by weight (largest remainder); mutant k of a kind
    depends only on (seed, kind, k), so --only reproduces it whatever the other options."""
    weights = sum(k.weight for k in kinds)
    shares = [total * k.weight / weights for k in kinds]
    counts = [int(s) for s in shares]
    for i in sorted(range(len(kinds)), key=lambda i: counts[i] - shares[i])[:total - sum(counts)]:
        counts[i] += 1
    mutants = []
    for kind, count in zip(kinds, counts):
        for k in range(count):
            mutants.append(make_mutant(kind, k, seed, ctx))
    return mutants


def make_mutant(kind: Kind, k: int, seed: int, ctx: Context) -> Mutant:
    rng_seed = f"{seed}:{kind.name}:{k}"
    rng = random.Random(rng_seed)
    has_sidecar = kind.sealed and (ctx.base / kind.tree / (kind.target + ".sha256")).exists()
    draw = rng.random()
    sidecar = "keep" if not has_sidecar or draw >= 1 / 3 else "mutate" if draw < 1 / 6 else "remove"
    mutation = sidecar_mutation if sidecar == "mutate" else random_mutation(kind.file_format, rng)
    return Mutant(f"{kind.name}.{k:03d}", kind, plan_commands(kind, k, ctx), mutation, rng_seed, sidecar)


def mutant_by_id(mutant_id: str, seed: int, ctx: Context) -> Mutant:
    for m in fixed_cases():
        if m.id == mutant_id:
            return m
    name, _, number = mutant_id.rpartition(".")
    if name not in KIND_BY_NAME or not number.isdigit():
        raise SystemExit(f"file_fuzz.py: unknown mutant id {mutant_id!r} (KIND.NNN or fixed.NAME)")
    return make_mutant(KIND_BY_NAME[name], int(number), seed, ctx)


# ----------------------------------------------------------------------------------------------
# Executing a mutant and judging each run
# ----------------------------------------------------------------------------------------------

OUTCOMES = ["rejected", "same", "accepted-changed", "FAIL-signal", "FAIL-timeout", "FAIL-message", "FAIL-different",
            "FAIL-unstable"]


@dataclasses.dataclass
class Verdict:
    mutant: Mutant
    command: str
    description: str
    run: RunResult
    outcome: str
    detail: str = ""
    digest: Optional[str] = None  # the result read after an exit 0


def prepare(mutant: Mutant, root: Path, base: Path) -> str:
    """Copies the kind's tree under root and applies the mutation; returns its description."""
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(base / mutant.kind.tree, root / "tree")
    (root / "out").mkdir()
    if mutant.mutation is None:
        return "intact"
    target = root / "tree" / mutant.kind.target
    sidecar = target.with_name(target.name + ".sha256")
    if mutant.sidecar == "remove":
        sidecar.unlink()
    changed = sidecar if mutant.sidecar == "mutate" else target
    data, description = mutant.mutation(changed.read_bytes(), random.Random(mutant.rng_seed + ":bytes"))
    changed.write_bytes(data)
    return ("sidecar removed, " if mutant.sidecar == "remove" else "") + description


def names_the_file(result: RunResult, kind: Kind, tree: Path) -> bool:
    target = tree / kind.target
    names = (target.name, str(target.parent))
    return any(line.startswith("srm-dist:") and any(n in line for n in names) for line in result.stderr.splitlines())


def judge(result: RunResult, digest: Optional[str], reference: dict, kind: Kind, tree: Path,
          checkable: bool) -> Tuple[str, str]:
    if result.returncode is None:
        return "FAIL-timeout", ""
    if result.returncode < 0:
        return "FAIL-signal", ""
    if result.returncode != 0:
        return ("rejected", "") if names_the_file(result, kind, tree) else \
            ("FAIL-message", "no line 'srm-dist: ...' names the file")
    if digest == reference["digest"] and reference["returncode"] == 0:
        return "same", ""
    if checkable:
        want = reference["digest"] if reference["returncode"] == 0 else f"exit {reference['returncode']}"
        return "FAIL-different", f"differs from the intact file's result: {first_difference(digest, want)}"
    return "accepted-changed", ""


def first_difference(got: Optional[str], want: Optional[str], limit: int = 160) -> str:
    """The first line where two results differ, as 'got ... instead of ...'."""
    pairs = itertools.zip_longest((got or "").splitlines(), (want or "").splitlines(), fillvalue="(end)")
    got_line, want_line = next(((a, b) for a, b in pairs if a != b), (got or "", want or ""))
    return f"{got_line[:limit]!r} instead of {want_line[:limit]!r}"


def execute(mutant: Mutant, root: Path, ctx: Context, references: Optional["References"]) -> List[Verdict]:
    """Prepares the mutant and runs its commands; judged against `references` (None: this is
    an intact reference run, returned unjudged)."""
    description = prepare(mutant, root, ctx.base)
    paths = Paths(root, root / "tree", root / "out")
    verdicts = []
    for command in mutant.commands:
        argv, read_result = command_argv(command, mutant.kind, paths, ctx)
        result = ctx.runner.run(argv)
        digest = read_result(result) if result.returncode == 0 else None
        if references is None:
            verdicts.append(Verdict(mutant, command, description, result, "reference", digest=digest))
            continue
        # A resume's result is checkable for every kind: the checkpoint it ends on does not
        # depend on the archive, and a checkpoint that verified must continue bit-identically.
        checkable = mutant.sealed() or command == "resume"
        outcome, detail = judge(result, digest, references.of(mutant.kind, command), mutant.kind, paths.tree,
                                checkable)
        if outcome == "FAIL-different" and not references.stable(mutant.kind, command):
            outcome, detail = "FAIL-unstable", "the intact file's result itself varies from run to run"
        verdicts.append(Verdict(mutant, command, description, result, outcome, detail, digest))
    return verdicts


# Commands that refuse even the intact file of a kind (inspect reads runs and checkpoints only).
REFUSES_INTACT = {"samples": ("inspect",)}


class References:
    """What each (kind, command) does on the intact files, cached next to the base files. A
    result that differs from it is confirmed by running the intact file once more: a result
    that varies by itself is a harness problem, not a silently different result."""

    def __init__(self, ctx: Context, work: Path):
        self.ctx, self.work = ctx, work
        self.path = ctx.base / "references.json"
        self.results: Dict[str, dict] = json.loads(self.path.read_text()) if self.path.exists() else {}
        self.confirmed: Dict[str, bool] = {}
        self.lock = threading.Lock()

    @staticmethod
    def key(kind: Kind, command: str) -> str:
        return f"{kind.name}:{command}"

    def of(self, kind: Kind, command: str) -> dict:
        return self.results[self.key(kind, command)]

    def intact_run(self, kind: Kind, command: str, name: str) -> Verdict:
        mutant = Mutant(f"ref.{kind.name}.{command}.{name}", kind, (command,), None)
        return execute(mutant, self.work / "ref" / mutant.id, self.ctx, None)[0]

    def compute(self, mutants: List[Mutant], jobs: int) -> None:
        wanted = sorted({(m.kind.name, c) for m in mutants for c in m.commands})
        missing = [(KIND_BY_NAME[k], c) for k, c in wanted if f"{k}:{c}" not in self.results]
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            runs = list(pool.map(lambda kc: self.intact_run(kc[0], kc[1], "first"), missing))
        for v in runs:
            refused_cleanly = (v.run.returncode or 0) > 0 and v.command in REFUSES_INTACT.get(v.mutant.kind.name, ())
            if v.run.returncode != 0 and not refused_cleanly:
                raise SetupError(f"the intact {v.mutant.kind.name} file: {shlex.join(v.run.argv)} ended with "
                                 f"{v.run.status()}: {v.run.message()}")
            self.results[self.key(v.mutant.kind, v.command)] = {"returncode": v.run.returncode, "digest": v.digest}
        self.path.write_text(json.dumps(self.results, indent=1))

    def stable(self, kind: Kind, command: str) -> bool:
        key = self.key(kind, command)
        with self.lock:
            if key not in self.confirmed:
                again = self.intact_run(kind, command, "again")
                self.confirmed[key] = (again.run.returncode, again.digest) == \
                    (self.results[key]["returncode"], self.results[key]["digest"])
            return self.confirmed[key]


# ----------------------------------------------------------------------------------------------
# Base files
# ----------------------------------------------------------------------------------------------

def idx_images(count: int = 256) -> bytes:
    """`count` 28x28 images as an IDX file: Fashion-MNIST test images when the Debian package
    is installed, else seeded random pixels."""
    if FASHION_TEST_IMAGES.exists():
        with gzip.open(FASHION_TEST_IMAGES) as f:
            f.read(16)
            pixels = f.read(count * 28 * 28)
    else:
        pixels = np.random.default_rng(1).integers(0, 256, count * 28 * 28, dtype=np.uint8).tobytes()
    return struct.pack(">IIII", 0x803, count, 28, 28) + pixels


def write_data_files(base: Path) -> None:
    idx = idx_images()
    for folder, name, data in (("idx", "train-small.idx", idx),
                               ("idx-gz", "train-small.idx.gz", gzip.compress(idx, mtime=0))):
        (base / folder).mkdir(parents=True)
        (base / folder / name).write_bytes(data)
    rng = np.random.default_rng(2)
    records = np.concatenate([rng.integers(0, 10, (10000, 1)), rng.integers(0, 256, (10000, 3072))], axis=1)
    (base / "cifar").mkdir()
    (base / "cifar" / "data_batch_1.bin").write_bytes(records.astype(np.uint8).tobytes())
    images = np.frombuffer(idx[16:], np.uint8).reshape(-1, 1, 28, 28)[:, :, 6:22, 6:22]
    (base / "hdf5").mkdir()
    with h5py.File(base / "hdf5" / "images.h5", "w") as f:  # the layout of srm-prepare-images
        f.create_dataset("images", data=images, chunks=(1, 1, 16, 16), maxshape=(None, 1, 16, 16),
                         compression="gzip", shuffle=True)


def write_extractor(path: Path) -> bool:
    """A TorchScript feature extractor for eval: four summary statistics of each example."""
    try:
        import torch  # noqa: PLC0415 - only needed here, and heavy
    except ImportError:
        return False

    class Summary(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            f = x.flatten(1)
            return torch.stack([f.mean(1), f.std(1), f.amax(1), f.amin(1)], 1)

    import warnings  # noqa: PLC0415
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.script(Summary()).save(str(path))
    return True


def build_base(ctx: Context) -> None:
    """Every intact file, built with relative paths from base/ so their bytes do not depend on
    where the work folder is."""
    base, r, srm = ctx.base, ctx.runner, ctx.runner.srm
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    write_data_files(base)
    (base / "rings.yaml").write_text(RINGS_YAML)
    (base / "images.yaml").write_text(IMAGES_YAML)
    r.must([srm, "--config", "rings.yaml", "--set", "output.dir=rings/run"], "the rings run")
    r.must([srm, "--config", "images.yaml", "--set", "output.dir=conv/run"], "the small ConvNet run")
    r.must([srm, "--config", str(REPO / "configs" / "fashion_mnist.yaml"), "--set", "data.path=idx/train-small.idx",
            "--set", "train.iterations=2", "--set", "output.dir=fm/run", "--set", "output.tensorboard=false",
            "--set", "train.device=cpu", "--set", "train.threads=1"], "the Fashion-MNIST config's run")
    (base / "samples").mkdir()
    for name, iteration in (("a", 2), ("b", 1)):  # images, which fid can read
        r.must([srm, "sample", f"conv/run/checkpoints/ckpt_{iteration:08d}.h5", "-n", "64", "-o", f"samples/{name}"],
               "a samples file")
    if ("eval" in ctx.commands or "fid" in ctx.commands) and write_extractor(base / "features.pt"):
        ctx.features = base / "features.pt"
    if "fid" in ctx.commands:
        (base / "npz").mkdir()
        r.must([srm, "fid", "samples/a.h5", "--save-stats", "npz/a.npz"] + fid_features(ctx), "the statistics file")


def base_stamp(srm: str) -> dict:
    st = Path(srm).stat()
    return {"harness": HARNESS_VERSION, "binary": str(Path(srm).resolve()), "size": st.st_size,
            "mtime_ns": st.st_mtime_ns}


def binary_unchanged(srm: str, stamp: dict) -> bool:
    try:
        return base_stamp(srm) == stamp
    except OSError:
        return False


def ensure_base(ctx: Context) -> None:
    stamp_path = ctx.base / "stamp.json"
    stamp = base_stamp(ctx.runner.srm)
    if stamp_path.exists() and json.loads(stamp_path.read_text()) == stamp:
        ctx.features = ctx.base / "features.pt" if (ctx.base / "features.pt").exists() else None
        return
    build_base(ctx)
    stamp_path.write_text(json.dumps(stamp))


# ----------------------------------------------------------------------------------------------
# Reporting and main
# ----------------------------------------------------------------------------------------------

def report_failure(v: Verdict, args: argparse.Namespace, root: Path) -> None:
    m = v.mutant
    print(f"FAIL {m.id} seed={args.seed} kind={m.kind.name} mutation=\"{v.description}\" "
          f"outcome={v.outcome} status=\"{v.run.status()}\" after {v.run.seconds:.1f} s"
          + (f" ({v.detail})" if v.detail else ""))
    print(f"  command: {shlex.join(v.run.argv)}")
    print(f"  stderr: {v.run.message() or '(nothing)'}")
    print(f"  files kept in {root}")
    again = [sys.executable, __file__, "--srm-dist", args.srm_dist, "--work", args.work, "--seed", str(args.seed),
             "--timeout", f"{args.timeout:g}", "--memory-mb", str(args.memory_mb), "--only", m.id]
    print(f"  reproduce: {shlex.join(again)}")
    sys.stdout.flush()


def print_summary(verdicts: List[Verdict], mutants: List[Mutant], seconds: float) -> None:
    kinds = sorted({v.mutant.kind.name for v in verdicts}, key=lambda n: [k.name for k in KINDS].index(n))
    width = max([len(k) for k in kinds] + [5])
    print("\nruns by kind and outcome (FAIL-*: failures; accepted-changed: exit 0 on a changed unsealed file)")
    print(f"{'kind':<{width}} {'mutants':>7} " + " ".join(f"{o:>{len(o)}}" for o in OUTCOMES))
    for kind in kinds + ["total"]:
        rows = [v for v in verdicts if kind in ("total", v.mutant.kind.name)]
        count = len({v.mutant.id for v in rows})
        cells = " ".join(f"{sum(v.outcome == o for v in rows):>{len(o)}}" for o in OUTCOMES)
        print(f"{kind:<{width}} {count:>7} {cells}")
    commands = sorted({v.command for v in verdicts})
    failed = {c: sum(v.command == c and v.outcome.startswith("FAIL") for v in verdicts) for c in commands}
    ran = {c: sum(v.command == c for v in verdicts) for c in commands}
    print("failures by command: " + ", ".join(f"{c} {failed[c]}/{ran[c]}" for c in commands))
    print(f"{len(mutants)} mutants, {len(verdicts)} runs in {seconds:.0f} s")


def parse_args(argv: List[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--srm-dist", required=True, help="the srm-dist binary")
    p.add_argument("--work", required=True, help="work folder (base files are cached in WORK/base)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--mutants", type=int, default=200,
                   help="random mutants, shared over the kinds (the fixed cases come on top)")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--timeout", type=float, default=30, help="seconds per srm-dist run")
    p.add_argument("--kinds", default="", help="comma-separated kinds: " + ",".join(k.name for k in KINDS))
    p.add_argument("--only", default="", help="run one mutant, by the id a failure printed")
    p.add_argument("--nice", type=int, default=0, help="nice level of the srm-dist runs")
    p.add_argument("--verbose", action="store_true", help="one line for every run, not only failures")
    p.add_argument("--memory-mb", type=int, default=4096, help="address-space limit of each srm-dist run")
    return p.parse_args(argv)


def select_mutants(args: argparse.Namespace, ctx: Context) -> Tuple[List[Mutant], List[str]]:
    """The mutants of this run (random ones and the fixed cases, or the one --only names), with
    the commands this srm-dist lacks left out, and notes on what is skipped."""
    notes = []
    if args.only:
        mutants = [mutant_by_id(args.only, args.seed, ctx)]
    else:
        kinds = [KIND_BY_NAME[n] for n in args.kinds.split(",")] if args.kinds else list(KINDS)
        notes += [f"note: kind {k.name} skipped (no usable command: needs fid)"
                  for k in kinds if not kind_usable(k, ctx)]
        kinds = [k for k in kinds if kind_usable(k, ctx)]
        mutants = random_mutants(kinds, args.mutants, args.seed, ctx) + [m for m in fixed_cases() if m.kind in kinds]
        if not any((ctx.base / k.tree / (k.target + ".sha256")).exists() for k in kinds if k.sealed):
            notes.append("note: no .sha256 sidecars next to the sealed files: no sidecar mutants")
    if ctx.features is None:
        notes.append("note: eval runs skipped (no eval command, or no torch to script a feature extractor)")
    if "fid" not in ctx.commands:
        notes.append("note: fid runs skipped (srm-dist --help lists no fid command)")
    for m in mutants:
        m.commands = tuple(c for c in m.commands if usable(c, ctx)) or plan_commands(m.kind, 0, ctx)
    return mutants, notes


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    start = time.monotonic()
    work = Path(args.work).resolve()
    srm = str(Path(args.srm_dist).resolve())
    runner = Runner(srm, work / "base", args.timeout, args.nice, args.memory_mb)
    ctx = Context(runner, work / "base", None, False, [])
    ctx.base.mkdir(parents=True, exist_ok=True)
    stamp = base_stamp(srm)
    try:
        ctx.commands = available_commands(runner)
        if "fid" in ctx.commands:
            ctx.fid_takes_features = "--features" in fid_usage(runner)
        ensure_base(ctx)
        mutants, notes = select_mutants(args, ctx)
        for note in notes:
            print(note)
        for folder in ("mut", "ref"):
            shutil.rmtree(work / folder, ignore_errors=True)
        references = References(ctx, work)
        references.compute(mutants, args.jobs)
    except SetupError as e:
        print(f"file_fuzz.py: setup failed: {e}")
        return 2
    print(f"{len(mutants)} mutants (seed {args.seed}), {sum(len(m.commands) for m in mutants)} runs, "
          f"{args.jobs} jobs, {args.timeout:.0f} s per run; base files ready after {time.monotonic() - start:.0f} s")
    sys.stdout.flush()
    verdicts: List[Verdict] = []
    lock = threading.Lock()

    def one(mutant: Mutant) -> None:
        root = work / "mut" / mutant.id
        results = execute(mutant, root, ctx, references)
        with lock:
            verdicts.extend(results)
            failed = [v for v in results if v.outcome.startswith("FAIL")]
            for v in failed:
                report_failure(v, args, root)
            for v in results if args.verbose else []:
                print(f"{v.outcome:<16} {mutant.id:<20} {v.command:<11} {v.run.status():<8} {v.description[:70]!r} "
                      f"{v.run.message()[:90]!r}")
        if not failed:
            shutil.rmtree(root, ignore_errors=True)

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(one, mutants))
    print_summary(verdicts, mutants, time.monotonic() - start)
    if not binary_unchanged(srm, stamp):
        print(f"file_fuzz.py: {srm} was replaced during the run: the results above are not of one binary")
        return 2
    return 1 if any(v.outcome.startswith("FAIL") for v in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
