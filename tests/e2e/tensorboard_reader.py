#!/usr/bin/env python3
"""Checks a run's TensorBoard event files against its metrics.csv, offline.

    tensorboard_reader.py RUN/tb RUN/metrics.csv [--image-tag samples] [--text-tag config]

Reads every event file in the tb directory twice: once here, record by record, checking both
masked CRC-32Cs of every record (an inline implementation, so python3-crc32c is not needed), and
once with TensorBoard's own EventFileLoader, which must yield the same number of records (it
stops silently at a bad CRC). Then every scalar tag must have exactly one point per metrics.csv
row, at step = iteration, across all files together (no step twice), with values equal to the
CSV's within 1e-6 relative. Prints one line and exits 0, or names the first mismatch and exits 1.
Needs a Python with the `tensorboard` package (no TensorFlow). tensorboard_http_check.py reuses
the mapping and comparison below against a running TensorBoard server.
"""
import argparse
import csv
import math
import os
import struct
import sys

# The contract the C++ trainer follows: metrics.csv column -> TensorBoard scalar tag, one point
# per CSV row at step = the row's iteration, value = the column (written as float32
# simple_value). No other scalar tags are written.
COLUMN_TO_TAG = {
    "loss": "train/loss",                      # mean f(x-) - mean f(x+)
    "energy_data": "train/energy_data",        # mean f(x+) over the observed batch
    "energy_samples": "train/energy_samples",  # mean f(x-) over the short-run samples
    "energy_diff": "train/energy_diff",        # f(x+) - f(x-)
    "chain_grad_norm": "train/chain_grad_norm",  # mean ||df/dx|| over chains and steps
    "param_grad_norm": "train/param_grad_norm",  # ||dloss/dtheta||
    "lr": "train/lr",
    "data_noise": "train/data_noise",          # sigma of the noise added to the data
    "seconds": "train/seconds_per_iteration",
    "samples_abs_max": "train/samples_abs_max",  # max |x-| (the divergence check's input)
    "grad_clipped": "train/grad_clipped",      # 1 when train.grad_clip scaled the gradient
    "accept_rate": "train/accept_rate",        # MALA / HMC acceptance (1 for unadjusted samplers)
}
# Derived from a column: images per second = the images of one iteration (the global batch,
# given with --images-per-iteration) / seconds. Checked only when that option is given.
DERIVED_TO_TAG = {"images_per_second": "train/images_per_second"}
STEP_COLUMN = "iteration"
RELATIVE_TOLERANCE = 1e-6  # float32 keeps ~7 digits; metrics.csv prints 8 significant digits
# metrics.csv prints `seconds` with 6 decimals, not 8 significant digits.
ABSOLUTE_TOLERANCE = {"seconds": 1e-6}
FILE_VERSION = "brain.Event:2"


class Mismatch(Exception):
    """What the event files and metrics.csv disagree on."""


def _crc32c_table():
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc32c_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def read_records(path):
    """The records of one event file; raises Mismatch on a bad CRC or a cut-short record."""
    with open(path, "rb") as f:
        data = f.read()
    records, at = [], 0
    while at < len(data):
        if len(data) - at < 16:
            raise Mismatch(f"{path}: record at byte {at} cut short ({len(data) - at} bytes left)")
        header = data[at:at + 8]
        (length,) = struct.unpack("<Q", header)
        (header_crc,) = struct.unpack("<I", data[at + 8:at + 12])
        if header_crc != masked_crc32c(header):
            raise Mismatch(f"{path}: bad length CRC in the record at byte {at}")
        if length > len(data) - at - 16:
            raise Mismatch(f"{path}: record at byte {at} says {length} bytes, the file ends first")
        body = data[at + 12:at + 12 + length]
        (body_crc,) = struct.unpack("<I", data[at + 12 + length:at + 16 + length])
        if body_crc != masked_crc32c(body):
            raise Mismatch(f"{path}: bad data CRC in the record at byte {at}")
        records.append(body)
        at += 16 + length
    return records


def event_files(tb_dir):
    if not os.path.isdir(tb_dir):
        raise Mismatch(f"{tb_dir}: no such directory")
    names = sorted(n for n in os.listdir(tb_dir) if "tfevents" in n)
    if not names:
        raise Mismatch(f"{tb_dir}: no event files (names containing 'tfevents')")
    return [os.path.join(tb_dir, n) for n in names]


def images_per_second(images, seconds):
    """What the C++ side writes: images / seconds, seconds floored at 1e-9."""
    return images / max(seconds, 1e-9)


def read_csv(path, images_per_iteration=None):
    """{column: {iteration: value}} for the mapped columns (and the derived ones when their input
    is given), and the iterations in file order."""
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in [STEP_COLUMN, *COLUMN_TO_TAG] if c not in (reader.fieldnames or [])]
        if missing:
            raise Mismatch(f"{path}: no column(s) {', '.join(missing)}")
        columns = {c: {} for c in COLUMN_TO_TAG}
        iterations = []
        for row in reader:
            step = int(row[STEP_COLUMN])
            if step in columns["loss"]:
                raise Mismatch(f"{path}: iteration {step} appears twice")
            iterations.append(step)
            for c in COLUMN_TO_TAG:
                columns[c][step] = float(row[c])
            if images_per_iteration is not None:
                columns.setdefault("images_per_second", {})[step] = images_per_second(
                    images_per_iteration, float(row["seconds"]))
    if not iterations:
        raise Mismatch(f"{path}: no rows")
    return columns, iterations


def close_enough(column, expected, got, seconds=None):
    if math.isnan(expected) or math.isnan(got):
        return math.isnan(expected) and math.isnan(got)
    if math.isinf(expected) or math.isinf(got):
        return expected == got
    tolerance = max(RELATIVE_TOLERANCE * max(abs(expected), abs(got)), ABSOLUTE_TOLERANCE.get(column, 1e-30))
    if column == "images_per_second" and seconds:
        # metrics.csv rounds seconds to 6 decimals: images / seconds inherits that relative error.
        tolerance += abs(expected) * 0.5e-6 / seconds
    return abs(expected - got) <= tolerance


def compare_scalars(scalars, columns, iterations, where):
    """scalars: {tag: {step: value}} as TensorBoard sees them. Raises Mismatch."""
    mapping = {**COLUMN_TO_TAG, **{c: t for c, t in DERIVED_TO_TAG.items() if c in columns}}
    tag_to_column = {t: c for c, t in mapping.items()}
    unexpected = sorted(set(scalars) - set(tag_to_column) - set(DERIVED_TO_TAG.values()))
    if unexpected:
        raise Mismatch(f"{where}: scalar tag(s) {', '.join(unexpected)} are not in the metrics.csv mapping")
    for column, tag in mapping.items():
        points = scalars.get(tag)
        if points is None:
            raise Mismatch(f"{where}: no scalar tag {tag} (metrics.csv column {column})")
        missing = sorted(set(iterations) - set(points))
        extra = sorted(set(points) - set(iterations))
        if missing or extra:
            raise Mismatch(f"{where}: {tag} has {len(points)} points for {len(iterations)} metrics.csv rows; "
                           f"steps missing {missing[:5]}{'...' if len(missing) > 5 else ''}, "
                           f"not in metrics.csv {extra[:5]}{'...' if len(extra) > 5 else ''}")
        for step in iterations:
            expected, got = columns[column][step], points[step]
            if not close_enough(column, expected, got, columns["seconds"].get(step)):
                raise Mismatch(f"{where}: {tag} at step {step} is {got!r}, metrics.csv {column} says {expected!r}")


def load_run(tb_dir):
    """Reads every event file; returns (files, records, scalars, image_tags, text_tags)."""
    from tensorboard.backend.event_processing import event_file_loader
    from tensorboard.compat.proto import event_pb2
    from tensorboard.util import tensor_util

    scalars, where_from = {}, {}
    image_tags, text_tags, plugin_of = {}, {}, {}
    files = event_files(tb_dir)
    total = 0
    for path in files:
        records = read_records(path)
        total += len(records)
        first = event_pb2.Event.FromString(records[0]) if records else None
        if first is None or first.file_version != FILE_VERSION:
            raise Mismatch(f"{path}: the first record is not file_version {FILE_VERSION!r}")
        raw = sum(1 for _ in event_file_loader.RawEventFileLoader(path).Load())
        if raw != len(records):
            raise Mismatch(f"{path}: TensorBoard's loader read {raw} records, the file holds {len(records)}")
        for event in event_file_loader.EventFileLoader(path).Load():
            for value in event.summary.value:
                plugin = value.metadata.plugin_data.plugin_name or plugin_of.get(value.tag, "")
                plugin_of.setdefault(value.tag, plugin)
                if plugin == "scalars":
                    points = scalars.setdefault(value.tag, {})
                    if event.step in points:
                        raise Mismatch(f"{value.tag}: step {event.step} twice ({where_from[value.tag, event.step]} "
                                       f"and {os.path.basename(path)})")
                    points[event.step] = float(tensor_util.make_ndarray(value.tensor).item())
                    where_from[value.tag, event.step] = os.path.basename(path)
                elif plugin == "images":
                    image_tags[value.tag] = image_tags.get(value.tag, 0) + 1
                elif plugin == "text":
                    text_tags[value.tag] = text_tags.get(value.tag, 0) + 1
    return files, total, scalars, image_tags, text_tags


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tb_dir", help="the run's tb directory")
    parser.add_argument("metrics_csv", help="the run's metrics.csv")
    parser.add_argument("--image-tag", action="append", default=[], help="an image tag that must be there")
    parser.add_argument("--text-tag", action="append", default=[], help="a text tag that must be there")
    parser.add_argument("--images-per-iteration", type=int, default=None,
                        help="the global batch: also check train/images_per_second = it / seconds")
    args = parser.parse_args(argv)
    try:
        columns, iterations = read_csv(args.metrics_csv, args.images_per_iteration)
        files, records, scalars, image_tags, text_tags = load_run(args.tb_dir)
        compare_scalars(scalars, columns, iterations, args.tb_dir)
        for tag in args.image_tag:
            if tag not in image_tags:
                raise Mismatch(f"{args.tb_dir}: no image tag {tag} (image tags: {sorted(image_tags)})")
        for tag in args.text_tag:
            if tag not in text_tags:
                raise Mismatch(f"{args.tb_dir}: no text tag {tag} (text tags: {sorted(text_tags)})")
    except Mismatch as e:
        print(f"tensorboard_reader: FAILED: {e}", file=sys.stderr)
        return 1
    print(f"tensorboard_reader: OK: {len(files)} event file(s), {records} records, {len(scalars)} scalar tags x "
          f"{len(iterations)} steps match metrics.csv, images {image_tags}, text {text_tags}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
