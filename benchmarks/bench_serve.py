"""Benchmark ``honestreach serve``: latency of a warm ``POST /v1/check`` of a ~1 KB draft, and
the memory of the serving process.

    python benchmarks/bench_serve.py [--requests 300] [--crm tests/fixtures/verify-crm]

Starts the server on a free port, sends a few requests to warm it, then times each request
over one keep-alive connection (the client's time: HTTP, JSON and the check) and reads the
server's resident memory from /proc (Linux).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BODY = (
    "Hi Robert,\n\n"
    "Great meeting you at the LogiTech Summit in May. I put together a short note on how other "
    "shipping teams plan their routes when fuel prices move, and thought of your carbon "
    "reporting work.\n\n"
    "Our planner connects to your dispatch system in an afternoon and needs no new hardware. "
    "It is $39 per driver per month, and this price expires at midnight tonight, so reply now "
    "to lock it in. We only have 3 spots left in the pilot this quarter.\n\n"
    "Several teams we work with cut their empty miles by a tenth in the first quarter, and "
    "the case study from a Baltic carrier is on our site if you want the details. The planner "
    "also exports the emissions figures your auditors ask for, per route and per month.\n\n"
    "If it would help, I can walk your team through it in twenty minutes next week. Would "
    "Thursday or Friday work for you?\n\n"
    "Ana Duarte\nRoute Desk, 12 Harbour Road, Leith EH6 6LX, United Kingdom\n"
    "Not interested? Reply \"unsubscribe\" and I won't email you again.\n"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in KiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--crm", default=str(ROOT / "tests" / "fixtures" / "verify-crm"))
    args = parser.parse_args()
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "honestreach", "serve", "--port", str(port),
                               "--crm", args.crm], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("GET", "/health")
                connection.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start")
                time.sleep(0.2)
        payload = json.dumps({"subject": "Route planning for the summer", "body": BODY,
                              "recipient": "robert.lang@harbourline.example.com",
                              "date": "2026-06-01"}).encode()
        headers = {"Content-Type": "application/json"}
        times = []
        for n in range(args.requests + 20):
            started = time.perf_counter()
            connection.request("POST", "/v1/check", payload, headers)
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status == 200, response.status
            if n >= 20:  # the first requests warm the caches
                times.append(elapsed)
        times.sort()
        memory = _memory(server.pid)
        print(f"draft: {len(BODY.encode())} bytes; {len(times)} warm requests")
        print(f"latency ms: p50 {statistics.median(times):.1f}, "
              f"p95 {times[int(len(times) * 0.95) - 1]:.1f}, "
              f"p99 {times[int(len(times) * 0.99) - 1]:.1f}, max {times[-1]:.1f}")
        print(f"server memory: {memory['VmRSS'] / 1024:.0f} MiB resident, "
              f"peak {memory['VmHWM'] / 1024:.0f} MiB; load average {os.getloadavg()[0]:.1f}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
