"""What one go-live costs: CPU time on the host and on the controller, for one or more revisions.

Usage: .venv/bin/python benchmarks/golive_cost.py [REV[@IMAGE] ...]   (default: HEAD)
       (or `make bench-golive REVS='4306d42 HEAD'`, `make bench-golive REVS='HEAD HEAD@hardened'`)

For each revision, in a temporary worktree of this checkout (this checkout's venv and rig
state, its own collection link), on a fresh sandbox host (`tests/rig/host.sh`, Debian 12; IMAGE
`host`, a bare server, unless `@hardened` asks for one already through harden.yml, as the
multi-host tests start theirs; that image is made by this checkout's roles, whatever REV is):
`golive.yml` of the demo app (the go-live), then `golive.yml` again (the re-run that changes
nothing). For each run it records the wall time, the CPU time of the host container's cgroup
(the app containers that the host's own engine runs are not in it on cgroup v1), the CPU time
of ansible-playbook and every process it waited for on this machine (getrusage), and the play
recap. The machine's speed reference (benchmarks/cpu_budget.py) is timed first.

Needs the rig up (`make sandbox` once: engine, images, registry, secrets). The sandbox host is
recreated for each revision and left running on the last one. Writes
benchmarks/results/golive_cost-<UTC stamp>.json and .md and prints the table. Nothing is
asserted; it exits non-zero when a run fails.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import cpu_budget

TOP = Path(__file__).resolve().parents[1]
RESULTS = TOP / "benchmarks" / "results"
HOST, ADDRESS = "golive-sandbox", "10.213.7.10"
RECAP = re.compile(r"^\S+\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)", re.M)


def host_cpu_seconds() -> float:
    cid = subprocess.run(
        ["docker", "inspect", "-f", "{{.Id}}", HOST], capture_output=True, text=True, check=True
    ).stdout.strip()
    return cpu_budget.container_usage()[cid]


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def playbook(tree: Path, log: Path) -> dict:
    """golive.yml against the sandbox from TREE; its costs and recap."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(tree / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    argv = [
        str(TOP / ".venv" / "bin" / "ansible-playbook"),
        "-i",
        "inventories/sandbox",
        "-e",
        "@.rig/sandbox-secrets.yml",
        "--vault-password-file",
        ".rig/vault-pass",
        "playbooks/golive.yml",
    ]
    host_before, controller_before, start = host_cpu_seconds(), children_cpu_seconds(), time.monotonic()
    with log.open("w") as out:
        rc = subprocess.run(argv, cwd=tree, env=env, stdout=out, stderr=subprocess.STDOUT, check=False).returncode
    wall = time.monotonic() - start
    recap = RECAP.findall(log.read_text())
    ok, changed, _unreachable, failed, skipped = (int(value) for value in recap[-1]) if recap else (0,) * 5
    return {
        "rc": rc,
        "wall_seconds": round(wall, 1),
        "host_cpu_seconds": round(host_cpu_seconds() - host_before, 1),
        "controller_cpu_seconds": round(children_cpu_seconds() - controller_before, 1),
        "ok": ok,
        "changed": changed,
        "failed": failed,
        "skipped": skipped,
        "log": str(log.relative_to(TOP)),
    }


def worktree(rev: str, tree: Path) -> None:
    """TREE: a worktree of REV with this checkout's venv and rig state, and its own collection link."""
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), rev], cwd=TOP, check=True, capture_output=True)
    (tree / ".venv").symlink_to(TOP / ".venv")
    (tree / ".rig").mkdir()
    for item in (TOP / ".rig").iterdir():
        if item.name != "collections":
            if item.is_dir():
                shutil.copytree(item, tree / ".rig" / item.name, symlinks=True)
            else:
                shutil.copy2(item, tree / ".rig" / item.name, follow_symlinks=False)
    subprocess.run(["make", "-s", "collection-link"], cwd=tree, check=True)


def main() -> int:
    specs = sys.argv[1:] or ["HEAD"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    reference = cpu_budget.speed_reference()
    print(f"speed reference {reference} s", flush=True)
    rows, failed = [], False
    with tempfile.TemporaryDirectory(prefix="golive-cost-") as parent:
        for spec in specs:
            rev, image = spec.rsplit("@", 1) if spec.endswith(("@host", "@hardened")) else (spec, "host")
            commit = subprocess.run(
                ["git", "rev-parse", "--short", rev], cwd=TOP, capture_output=True, text=True, check=True
            ).stdout.strip()
            tree = Path(parent) / spec.replace("/", "_")
            try:
                subprocess.run([str(TOP / "tests/rig/host.sh"), "down", HOST], cwd=TOP, check=True, capture_output=True)
                subprocess.run([str(TOP / "tests/rig/host.sh"), "up", HOST, ADDRESS, "12", image], cwd=TOP, check=True)
                worktree(rev, tree)  # after the host: its pinned host key comes along
                for run in ("go-live", "re-run"):
                    result = playbook(tree, RESULTS / f"golive_cost-{stamp}-{commit}-{image}-{run}.log")
                    rows.append({"rev": rev, "commit": commit, "image": image, "run": run, **result})
                    print(json.dumps(rows[-1]), flush=True)
                    if result["rc"] != 0:
                        failed = True
                        break
            finally:
                if tree.exists():
                    subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=TOP, check=False)
                subprocess.run(["git", "worktree", "prune"], cwd=TOP, check=False)
    result = {"stamp": stamp, "speed_reference_seconds": reference, "runs": rows}
    (RESULTS / f"golive_cost-{stamp}.json").write_text(json.dumps(result, indent=1) + "\n")
    lines = [
        f"golive.yml of the demo app on a fresh Debian 12 sandbox host; speed reference {reference} s",
        "",
        "| revision | host image | run | wall s | host CPU-s | controller CPU-s | ok | changed | skipped | rc |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {row['commit']} | {row['image']} | {row['run']} | {row['wall_seconds']} | {row['host_cpu_seconds']} | "
        f"{row['controller_cpu_seconds']} | {row['ok']} | {row['changed']} | {row['skipped']} | {row['rc']} |"
        for row in rows
    ]
    table = "\n".join(lines) + "\n"
    (RESULTS / f"golive_cost-{stamp}.md").write_text(table)
    print(table)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
