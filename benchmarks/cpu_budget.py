"""CPU budget of a make goal: where the machine's CPU time goes, by part of the run.

Usage: .venv/bin/python benchmarks/cpu_budget.py [--interval 10] [GOAL ...]   (default GOAL: test)
       (or `make bench-cpu GOALS='test-fleet test-layouts-live'`)

make test on two cores is bound by CPU time, not by waiting: its wall time is roughly the CPU
time of everything in it divided by the cores. This runs `make GOAL...` in this checkout and
meanwhile, every --interval seconds, reads the machine's CPU counters (/proc/stat) and each
Docker container's CPU time (its cgroup: v1 cpuacct or v2 cpu.stat). At the end it adds each
container's CPU time to a part of make test by its name (the rig hosts are named per scenario:
golive-mol-default, golive-hard12, fleet-web1, layout-opensesa, ...). The app containers that
run inside a rig host's own Docker engine are counted apart ("containers in rig hosts"); on
cgroup v1 their CPU time is not in their host's. What no container used is "controller and
engine": Ansible, Molecule, pytest, the lint and sanity tools, dockerd and image builds on this
machine. A container removed between two readings loses at most one interval of its time.

Before the run it times a fixed single-threaded workload (hashing and a pure-Python loop), the
machine's speed reference, so that runs on different days or machines can be compared: a run
that took longer on a machine whose reference was slower is the machine, not the change.

Writes benchmarks/results/cpu_budget-<UTC stamp>.json and .md, keeps make's output in
benchmarks/results/cpu_budget-<stamp>.log and prints the table. Nothing is asserted; it exits
with make's exit code.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

TOP = Path(__file__).resolve().parents[1]
RESULTS = TOP / "benchmarks" / "results"

# Container name -> part of make test (first match wins).
PARTS = [
    (r"^golive-mol-default$", "default scenario"),
    (r"^golive-hard\d+$", "hardening scenario"),
    (r"^golive-nginx\d+$", "nginx suite"),
    (r"^golive-(dock|air)\d+$", "docker scenario"),
    (r"^golive-acme\d+$", "acme scenario"),
    (r"^fleet-", "fleet scenario"),
    (r"^layout-", "layouts live"),
    (r"^golive-prep\d+$", "hardened images"),
    (r"^golive-sandbox$", "make demo's sandbox"),
    (r"^golive-(registry|mailrelay|offsite|docker-repo|pebble)$", "rig services"),
    (r"^golive-(djt|sht|site|it|extdb|full|probe|loadgen)", "engine-side tests"),
]
CGROUP_V1 = Path("/sys/fs/cgroup/cpuacct/docker")
CGROUP_V2 = [Path("/sys/fs/cgroup/system.slice"), Path("/sys/fs/cgroup/docker")]
STAMP = re.compile(r"make test: (\S+) (starts|ends) at (\d\d:\d\d:\d\d)")


def speed_reference() -> float:
    """Seconds for a fixed single-threaded workload (best of three): lower is a faster machine."""
    block = b"golive" * (1 << 20)
    best = float("inf")
    for _round in range(3):
        start = time.perf_counter()
        digest = hashlib.sha256()
        for _block in range(8):
            digest.update(block)
        total = 0
        for number in range(8_000_000):
            total += number % 7
        best = min(best, time.perf_counter() - start)
    return round(best, 3)


def machine_ticks() -> tuple[int, int, int]:
    """(busy, idle, steal) clock ticks of all CPUs since boot."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return user + nice + system + irq + softirq, idle + iowait, steal


def container_usage() -> dict[str, float]:
    """CPU seconds of each running container's cgroup, by full container id."""
    usage = {}
    if CGROUP_V1.is_dir():
        for path in CGROUP_V1.glob("*/cpuacct.usage"):
            usage[path.parent.name] = int(path.read_text()) / 1e9
        return usage
    for root in CGROUP_V2:
        for path in root.glob("*/cpu.stat"):
            name = path.parent.name
            cid = name.removeprefix("docker-").removesuffix(".scope")
            if not re.fullmatch(r"[0-9a-f]{64}", cid):
                continue
            for line in path.read_text().splitlines():
                if line.startswith("usage_usec "):
                    usage[cid] = int(line.split()[1]) / 1e6
    return usage


def container_names() -> dict[str, str]:
    try:
        out = subprocess.run(
            ["docker", "ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    except OSError:  # no Docker CLI yet: make installs it
        return {}
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)


class Sampler(threading.Thread):
    """Reads the counters every interval until stopped; keeps each container's last reading."""

    def __init__(self, interval: float):
        super().__init__(daemon=True)
        self.interval = interval
        self.stopped = threading.Event()
        self.last: dict[str, float] = {}
        self.names: dict[str, str] = {}
        self.asked: set[str] = set()
        self.start_ticks = machine_ticks()
        self.end_ticks = self.start_ticks
        self.baseline = container_usage()  # what ran before the goal started is not the goal's

    def sample(self) -> None:
        usage = container_usage()
        # The app containers inside rig hosts never get a name here: ask once for each new id.
        unnamed = [cid for cid in usage if cid not in self.names and cid not in self.asked]
        if unnamed:
            self.names.update(container_names())
            self.asked.update(unnamed)
        self.last.update(usage)
        self.end_ticks = machine_ticks()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self.stopped.set()
        self.join()
        self.sample()


def part_of(name: str | None) -> str:
    if name is None:
        return "containers in rig hosts"
    for pattern, part in PARTS:
        if re.search(pattern, name):
            return part
    return "other: " + "-".join(name.split("-")[:2])


def budget(sampler: Sampler, wall: float) -> dict:
    hz = os.sysconf("SC_CLK_TCK")
    busy = (sampler.end_ticks[0] - sampler.start_ticks[0]) / hz
    idle = (sampler.end_ticks[1] - sampler.start_ticks[1]) / hz
    steal = (sampler.end_ticks[2] - sampler.start_ticks[2]) / hz
    parts: dict[str, float] = {}
    for cid, seconds in sampler.last.items():
        used = seconds - sampler.baseline.get(cid, 0.0)
        part = part_of(sampler.names.get(cid))
        parts[part] = parts.get(part, 0.0) + used
    in_containers = sum(parts.values())
    parts["controller and engine"] = busy - in_containers
    return {
        "wall_seconds": round(wall, 1),
        "cpus": os.cpu_count(),
        "busy_cpu_seconds": round(busy, 1),
        "idle_cpu_seconds": round(idle, 1),
        "steal_cpu_seconds": round(steal, 1),
        "busy_share": round(busy / (busy + idle), 3) if busy + idle else None,
        "parts": {part: round(seconds, 1) for part, seconds in sorted(parts.items(), key=lambda kv: -kv[1])},
    }


def table(result: dict) -> str:
    data = result["budget"]
    busy = data["busy_cpu_seconds"] or 1.0
    lines = [
        f"make {' '.join(result['goals'])} at {result['commit']}: exit {result['exit']}, "
        f"wall {data['wall_seconds'] / 60:.1f} min on {data['cpus']} CPUs, "
        f"busy {data['busy_cpu_seconds'] / 60:.1f} CPU-min ({(data['busy_share'] or 0) * 100:.0f}% of the machine), "
        f"steal {data['steal_cpu_seconds'] / 60:.1f} CPU-min; speed reference {result['speed_reference_seconds']} s",
        "",
        "| part | CPU-min | share |",
        "|---|---:|---:|",
    ]
    for part, seconds in data["parts"].items():
        lines.append(f"| {part} | {seconds / 60:.1f} | {seconds / busy * 100:.0f}% |")
    if result["stamps"]:
        lines += ["", "| make test part | starts | ends |", "|---|---|---|"]
        for part, when in result["stamps"].items():
            lines.append(f"| {part} | {when.get('starts', '')} | {when.get('ends', '')} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("goals", nargs="*", default=["test"])
    args = parser.parse_args()

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log = RESULTS / f"cpu_budget-{stamp}.log"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=TOP, capture_output=True, text=True, check=False
    ).stdout.strip()
    reference = speed_reference()
    print(f"speed reference {reference} s; make {' '.join(args.goals)}, output in {log}", flush=True)

    sampler = Sampler(args.interval)
    sampler.start()
    stamps: dict[str, dict[str, str]] = {}
    start = time.monotonic()
    with log.open("w") as out:
        make = subprocess.Popen(
            ["make", *args.goals], cwd=TOP, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert make.stdout is not None
        for line in make.stdout:
            out.write(line)
            out.flush()  # the log is readable while make runs
            found = STAMP.search(line)
            if found:
                stamps.setdefault(found[1], {})[found[2]] = found[3]
                print(line.rstrip(), flush=True)
        code = make.wait()
    wall = time.monotonic() - start
    sampler.stop()

    result = {
        "commit": commit,
        "goals": args.goals,
        "exit": code,
        "speed_reference_seconds": reference,
        "budget": budget(sampler, wall),
        "stamps": stamps,
        "log": str(log),
    }
    (RESULTS / f"cpu_budget-{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")
    text = table(result)
    (RESULTS / f"cpu_budget-{stamp}.md").write_text(text)
    print(text)
    return code


if __name__ == "__main__":
    sys.exit(main())
