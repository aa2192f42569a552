# Managed by golive.stack (docker role). Run as: python3 dockerd_validate.py FILE
"""Check a candidate daemon.json the way the installed engine reads it.

Usage: python3 dockerd_validate.py FILE

Engines from 23.0 read the file with dockerd --validate first. Then, on every engine
(Debian 12's 20.10 has no --validate, and --validate does not start what the file
configures: address pools, mirrors, storage), a throwaway dockerd starts with the
candidate and its own socket, data root, exec root, pid file and containerd namespace,
no bridge and no iptables rules: if it comes up, the file is accepted; its error is
printed if not. The running engine, its containers and its network are never touched.
Log settings that dockerd accepts but every container would then fail on are checked
first.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

START_TIMEOUT = 60
# how dockerd's own refusals begin (everything else in its log is context)
_FATAL = ("failed to start daemon", "unable to configure the Docker daemon")

# Keys the throwaway daemon must not share with the running engine. Their values are
# still checked for type by JSON loading; what they point at is not used.
_OWN = (
    "hosts",
    "data-root",
    "exec-root",
    "pidfile",
    "containerd",
    "containerd-namespace",
    "containerd-plugins-namespace",
    "bridge",
    "bip",
    "fixed-cidr",
    "fixed-cidr-v6",
    "default-gateway",
    "default-gateway-v6",
    "iptables",
    "ip6tables",
    "ip-forward",
    "ip-masq",
    "metrics-addr",
    "debug-addr",
    "userland-proxy",
)


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def api_ping(path):
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(2)
            conn.connect(path)
            conn.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            return b"OK" in conn.recv(4096)
    except OSError:
        return False


def mounts_under(path):
    with open("/proc/self/mounts", encoding="utf-8") as mounts:
        points = [line.split()[1] for line in mounts]
    return sorted((p for p in points if p.startswith(path + "/")), key=len, reverse=True)


def throwaway(config):
    # The data root sits next to the engine's own, so the storage driver meets the
    # same file system.
    parent = os.path.dirname(os.path.normpath(config.get("data-root", "/var/lib/docker")))
    try:
        work = tempfile.mkdtemp(prefix="golive-dockerd-validate.", dir=parent)
    except OSError:  # the data root's parent is not there or not writable: the restart will say more
        work = tempfile.mkdtemp(prefix="golive-dockerd-validate.", dir="/var/lib")
    try:
        own = {k: v for k, v in config.items() if k not in _OWN}
        own.update(
            {
                "hosts": ["unix://" + os.path.join(work, "docker.sock")],
                "data-root": os.path.join(work, "data"),
                "exec-root": os.path.join(work, "exec"),
                "pidfile": os.path.join(work, "docker.pid"),
                "containerd-namespace": "golive-validate",
                "containerd-plugins-namespace": "golive-validate-plugins",
                "bridge": "none",
                "iptables": False,
                "ip-forward": False,
                "ip-masq": False,
            }
        )
        candidate = os.path.join(work, "daemon.json")
        with open(candidate, "w", encoding="utf-8") as out:
            json.dump(own, out)
        log = open(os.path.join(work, "dockerd.log"), "w+", encoding="utf-8")
        proc = subprocess.Popen(["dockerd", "--config-file", candidate], stdout=log, stderr=subprocess.STDOUT)
        up = False
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            if api_ping(own["hosts"][0][len("unix://") :]):
                up = True
                break
            time.sleep(0.2)
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if up:
            print("dockerd accepted the configuration (a throwaway daemon started with it)")
            return
        log.seek(0)
        lines = [line.strip() for line in log if line.strip()]
        fatal = [
            line
            for line in lines
            if line.startswith(("failed to start daemon", "unable to configure the Docker daemon"))
        ]
        errors = [line for line in lines if "level=error" in line or "level=fatal" in line]
        detail = "\n".join(fatal[-1:] or (errors or lines)[-5:]) or "no output"
        why = f"did not answer within {START_TIMEOUT} s" if proc.returncode in (None, -15, 0) else "refused it"
        fail(f"dockerd {why}:\n{detail}")
    finally:
        for point in mounts_under(work):
            subprocess.run(["umount", "-l", point], check=False)
        shutil.rmtree(work, ignore_errors=True)


def check_log_config(config):
    """What dockerd accepts at start but every container then fails on: a log driver
    the engine does not have, or a size or count the json-file/local drivers cannot read."""
    driver = config.get("log-driver", "json-file")
    known = subprocess.run(
        ["docker", "info", "--format", "{{json .Plugins.Log}}"], capture_output=True, text=True, check=False
    )
    if known.returncode == 0 and known.stdout.strip().startswith("["):
        drivers = json.loads(known.stdout)
        if driver not in drivers:
            fail(f"log-driver {driver!r}: the engine has no such log driver (it has {', '.join(drivers)})")
    opts = config.get("log-opts", {})
    if not isinstance(opts, dict) or not all(isinstance(v, str) for v in opts.values()):
        fail('log-opts: an object whose values are all strings, for example {"max-size": "10m"}')
    if driver in ("json-file", "local"):
        size = opts.get("max-size")
        if size is not None and not re.fullmatch(r"[0-9]+(\.[0-9]+)?\s*([kKmMgGtTpP][iI]?)?[bB]?", size):
            fail(f"log-opts max-size {size!r}: a size such as 10m or 100k")
        count = opts.get("max-file")
        if count is not None and not re.fullmatch(r"[1-9][0-9]*", count):
            fail(f"log-opts max-file {count!r}: a whole number of files, 1 or more")


def main():
    if len(sys.argv) != 2:
        fail("usage: python3 dockerd_validate.py FILE")
    path = sys.argv[1]
    try:
        with open(path, encoding="utf-8") as candidate:
            config = json.load(candidate)
    except (OSError, ValueError) as exc:
        fail(f"{path}: {exc}")
    if not isinstance(config, dict):
        fail(f"{path}: the top level must be a JSON object")
    check_log_config(config)
    usage = subprocess.run(["dockerd", "--help"], capture_output=True, text=True, check=False).stdout
    if "--validate" in usage:
        done = subprocess.run(
            ["dockerd", "--validate", "--config-file", path], capture_output=True, text=True, check=False
        )
        if done.returncode:
            fail((done.stderr or done.stdout).strip() or f"dockerd --validate exited {done.returncode}")
    # --validate only reads the file: address pools, mirrors and drivers are
    # checked when a daemon starts with them.
    throwaway(config)


if __name__ == "__main__":
    main()
