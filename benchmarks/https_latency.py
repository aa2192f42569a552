"""Latency of the demo app through nginx over HTTPS, measured from outside the host.

Usage: .venv/bin/python benchmarks/https_latency.py [--host 10.213.7.10] [--domain demo.golive.test]
       [--path /healthz] [--requests 200]
Writes benchmarks/results/https_latency-<time>.json and prints a table. Nothing is
asserted: the numbers are for comparing releases and settings, not a pass/fail gate.
"""

import argparse
import http.client
import json
import socket
import ssl
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def one_request(host: str, domain: str, path: str, ctx: ssl.SSLContext) -> tuple[int, float]:
    start = time.perf_counter()
    sock = ctx.wrap_socket(socket.create_connection((host, 443), timeout=10), server_hostname=domain)
    conn = http.client.HTTPSConnection(domain, 443, context=ctx, timeout=10)
    conn.sock = sock
    conn.request("GET", path, headers={"Host": domain})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.status, (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="10.213.7.10")
    parser.add_argument("--domain", default="demo.golive.test")
    parser.add_argument("--path", default="/healthz")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the sandbox certificate is self-signed
    timings, statuses = [], {}
    for _attempt in range(args.requests):
        status, ms = one_request(args.host, args.domain, args.path, ctx)
        statuses[status] = statuses.get(status, 0) + 1
        timings.append(ms)
    timings.sort()
    result = {
        "time": datetime.now(UTC).isoformat(),
        "target": f"https://{args.domain}{args.path} via {args.host}",
        "requests": args.requests,
        "statuses": statuses,
        "ms": {
            "min": round(timings[0], 2),
            "p50": round(statistics.median(timings), 2),
            "p95": round(timings[int(len(timings) * 0.95) - 1], 2),
            "max": round(timings[-1], 2),
        },
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"https_latency-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'target':<50} {'n':>5} {'min':>8} {'p50':>8} {'p95':>8} {'max':>8}  statuses")
    ms = result["ms"]
    cells = " ".join(f"{ms[k]:>8}" for k in ("min", "p50", "p95", "max"))
    print(f"{result['target']:<50} {args.requests:>5} {cells}  {statuses}")
    print(f"written to {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")


if __name__ == "__main__":
    main()
