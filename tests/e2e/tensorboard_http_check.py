#!/usr/bin/env python3
"""Checks what a real TensorBoard server shows for a run against its metrics.csv.

    tensorboard_http_check.py RUN/tb RUN/metrics.csv [--image-tag samples] [--text-tag config]

Starts `python -m tensorboard.main` on 127.0.0.1 (a port the OS picks), with the legacy Python
loader, loading the logdir once before it starts serving, and every scalar point kept:

    --logdir DIR --host 127.0.0.1 --port 0 --load_fast=false --reload_interval 0
    --reload_task blocking --samples_per_plugin scalars=N      (N >= the metrics.csv rows)

(scalars=0 would keep every point while loading, but the HTTP API then returns none.) It then
reads /data/plugin/scalars/tags and .../scalars for every tag, /data/plugin/images/tags (and
fetches the newest image of each required tag) and /data/plugin/text/tags, and applies the
checks of tensorboard_reader.py: one point per metrics.csv row for every scalar tag of the
mapping there, no other scalar tags, no step twice, values within 1e-6 relative. The server is
always stopped. Loopback only; every wait is bounded (--timeout, 60 s by default). Prints one
line and exits 0, or names the mismatch and exits 1.
"""
import argparse
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tensorboard_reader import Mismatch, compare_scalars, read_csv  # noqa: E402

HOST = "127.0.0.1"
SERVING = re.compile(r"TensorBoard (\S+) at http://127\.0\.0\.1:(\d+)/")
# Never through a proxy, whatever the environment says: the server is on loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def server_command(tb_dir, rows):
    return [sys.executable, "-m", "tensorboard.main", "--logdir", tb_dir, "--host", HOST, "--port", "0",
            "--load_fast=false", "--reload_interval", "0", "--reload_task", "blocking",
            "--samples_per_plugin", f"scalars={max(1000, rows)}"]


class Server:
    """The TensorBoard process, its output read on a thread (so its pipe never fills)."""

    def __init__(self, command):
        self.lines = queue.Queue()
        self.tail = []
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, start_new_session=True,
                                        env=dict(os.environ, PYTHONUNBUFFERED="1"))
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_serving(self, deadline):
        """(version, port) once it says where it serves; raises Mismatch on exit or timeout."""
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.0, min(1.0, deadline - time.monotonic())))
            except queue.Empty:
                continue
            if line is None:
                raise Mismatch(f"TensorBoard exited ({self.process.wait()}) before serving:\n{self.output()}")
            self.tail = (self.tail + [line.rstrip()])[-20:]
            match = SERVING.search(line)
            if match:
                return match.group(1), int(match.group(2))
        raise Mismatch(f"TensorBoard did not start serving in time:\n{self.output()}")

    def output(self):
        return "\n".join("    " + line for line in self.tail)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own session: only the server
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def get(port, path, params, deadline, raw=False):
    url = f"http://{HOST}:{port}{path}" + ("?" + urllib.parse.urlencode(params) if params else "")
    timeout = deadline - time.monotonic()
    if timeout <= 0:
        raise Mismatch(f"out of time before GET {url}")
    try:
        with OPENER.open(url, timeout=timeout) as response:
            body = response.read()
    except OSError as e:
        raise Mismatch(f"GET {url}: {e}") from e
    return body if raw else json.loads(body)


def check(port, tb_dir, columns, iterations, image_tags, text_tags, deadline):
    runs = get(port, "/data/runs", None, deadline)
    if len(runs) != 1:
        raise Mismatch(f"TensorBoard shows runs {runs} for {tb_dir}, expected one")
    run = runs[0]
    scalars = {}
    for tag in get(port, "/data/plugin/scalars/tags", None, deadline).get(run, {}):
        points = {}
        for _wall_time, step, value in get(port, "/data/plugin/scalars/scalars", {"run": run, "tag": tag}, deadline):
            if step in points:
                raise Mismatch(f"TensorBoard shows {tag} at step {step} twice")
            points[step] = value
        scalars[tag] = points
    compare_scalars(scalars, columns, iterations, "TensorBoard server")

    shown_images = get(port, "/data/plugin/images/tags", None, deadline).get(run, {})
    for tag in image_tags:
        if tag not in shown_images:
            raise Mismatch(f"TensorBoard shows no image tag {tag} (image tags: {sorted(shown_images)})")
        newest = get(port, "/data/plugin/images/images", {"run": run, "tag": tag, "sample": 0}, deadline)[-1]
        blob = get(port, "/data/plugin/images/individualImage?" + newest["query"], None, deadline, raw=True)
        if not (blob.startswith(b"\x89PNG\r\n\x1a\n") or blob.startswith(b"\xff\xd8")):
            raise Mismatch(f"image {tag} at step {newest['step']} is neither PNG nor JPEG")
    shown_text = get(port, "/data/plugin/text/tags", None, deadline).get(run, [])
    for tag in text_tags:
        if tag not in shown_text:
            raise Mismatch(f"TensorBoard shows no text tag {tag} (text tags: {sorted(shown_text)})")
    return len(scalars), sorted(shown_images), sorted(shown_text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tb_dir", help="the run's tb directory (TensorBoard's --logdir)")
    parser.add_argument("metrics_csv", help="the run's metrics.csv")
    parser.add_argument("--image-tag", action="append", default=[], help="an image tag that must be shown")
    parser.add_argument("--text-tag", action="append", default=[], help="a text tag that must be shown")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds for everything (default 60)")
    parser.add_argument("--images-per-iteration", type=int, default=None,
                        help="the global batch: also check train/images_per_second = it / seconds")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.timeout
    server = None
    try:
        columns, iterations = read_csv(args.metrics_csv, args.images_per_iteration)
        command = server_command(os.path.abspath(args.tb_dir), len(iterations))
        server = Server(command)
        version, port = server.wait_serving(deadline)
        tags, images, texts = check(port, args.tb_dir, columns, iterations, args.image_tag, args.text_tag, deadline)
    except (Mismatch, OSError) as e:
        print(f"tensorboard_http_check: FAILED: {e}", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            server.stop()
    print(f"tensorboard_http_check: OK: TensorBoard {version} on {HOST}:{port} shows {tags} scalar tags x "
          f"{len(iterations)} steps matching metrics.csv, images {images}, text {texts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
