"""Load test of POST /v1/status from a second process on 127.0.0.1 (bounded run).

Starts the API with uvicorn (access log off), drives it with wrk for a fixed duration and prints requests/s and
the latency percentiles. Targets: ≥ 1,500 requests/s with p99 ≤ 25 ms on a 2-core machine.

Usage: python benchmarks/bench_api.py [--seconds 10] [--workers 2] [--connections 8]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BODY = {
    "tumor": {"type": "breast"},
    "her2_tests": [
        {"method": "ihc", "score": "2+", "percent_cells": 40},
        {"method": "ish", "ratio": 2.3, "her2_copies": 4.1, "cep17_copies": 1.8},
    ],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def to_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "HER2KIT_ACCESS_LOG": "0"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "her2kit.web.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    try:
        wait_ready(url)
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "post.lua"
            script.write_text(
                'wrk.method = "POST"\n'
                'wrk.headers["Content-Type"] = "application/json"\n'
                f"wrk.body = {json.dumps(json.dumps(BODY))}\n"
            )
            # warm-up, then the measured run
            subprocess.run(
                ["wrk", "-t1", "-c4", "-d2s", "-s", str(script), f"{url}/v1/status"],
                check=True,
                capture_output=True,
            )
            out = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    f"-c{args.connections}",
                    f"-d{args.seconds}s",
                    "--latency",
                    "-s",
                    str(script),
                    f"{url}/v1/status",
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
    finally:
        server.terminate()
        server.wait(timeout=20)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", out, flags=re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p99 = to_ms(pct["99"])
    print(out)
    print(
        f"POST /v1/status: {rps:,.0f} requests/s; p50 {to_ms(pct['50']):.2f} ms; p99 {p99:.2f} ms; "
        f"workers {args.workers}; connections {args.connections}; cores {os.cpu_count()}"
    )
    if non2xx:
        print(f"non-2xx responses: {non2xx.group(1)}")
        return 1
    ok = rps >= 1500 and p99 <= 25
    print("targets (>= 1,500 requests/s, p99 <= 25 ms):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
