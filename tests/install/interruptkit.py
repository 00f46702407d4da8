"""Helpers for the interrupt tests: stop the fake install.sh at a numbered point, run the CLI in a
child process, reset a sandbox, compare trees with backup time stamps left out."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from installkit import REPO, snapshot

_STAMP = re.compile(r"\.k3stui-\d{8}T\d{6}(?:-\d+)?\.bak$")


def existing_install(root: Path) -> None:
    """A previous k3stui run: files that must come back byte for byte, with their modes."""
    dropin = root / "etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml"
    dropin.parent.mkdir(parents=True)
    dropin.write_text("# previous\ncluster-cidr: 10.42.0.0/16\n")
    os.chmod(dropin, 0o600)
    manifest = root / "var/lib/rancher/k3s/server/manifests/k3s-cni.yaml"
    manifest.parent.mkdir(parents=True)
    manifest.write_text("# previous manifest\n")
    os.chmod(manifest, 0o644)
    k3s = root / "usr/local/bin/k3s"
    k3s.write_bytes(b"#!/bin/sh\necho old k3s\n")
    os.chmod(k3s, 0o755)
    os.symlink("k3s", root / "usr/local/bin/kubectl")


def running(pid: int) -> bool:
    """Is the process running (a zombie is not)? Linux /proc."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def stable_snapshot(root: Path) -> dict:
    """`snapshot` with the time stamp of kept backups' names left out (two runs, two stamps)."""
    return {_STAMP.sub(".k3stui-STAMP.bak", k): v for k, v in snapshot(root).items()}


def script_points(script: Path) -> int:
    """How many interrupt points the fake script passes in an uninterrupted run of this sandbox:
    counted by the script itself (point N never reached = one past the end)."""
    return int((script.parent / "points").read_text()) if (script.parent / "points").exists() else 0


def stop_at(script: Path, n: int, sig: str, mode: str) -> None:
    """Make the fake script stop at point `n`: send `sig` to k3stui ("-": none), then block or go."""
    (script.parent / "reached").unlink(missing_ok=True)
    (script.parent / "stop-at").write_text(f"{n} {sig} {mode}\n")


def reset(pristine: Path, root: Path) -> None:
    shutil.rmtree(root)
    shutil.copytree(pristine, root, symlinks=True)


def cli(*args: str, **kw) -> subprocess.Popen:
    """`python -m k3stui ARGS` in a child process, from this checkout."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "K3STUI_NO_DOWNLOAD": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "k3stui", *args],
        env=env,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def install_args(root: Path, script: Path, preset: str = "cilium") -> list[str]:
    return ["install", "--root", str(root), "--preset", preset, "--install-script", str(script), "--yes"]


def wait_for_marker(script: Path, proc: subprocess.Popen, timeout: float = 60.0) -> bool:
    """Wait until the fake script reached its point (True) or k3stui ended first (False)."""
    import time

    marker = script.parent / "reached"
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if proc.poll() is not None:
            return marker.exists()
        if time.monotonic() > deadline:
            raise AssertionError("the fake script never reached its point")
        time.sleep(0.005)  # polling the condition itself, not a guess at a duration
    return True


def kill_group(script: Path) -> None:
    """The fake script's group, left blocking when k3stui was SIGKILLed (as a power cut would)."""
    import signal

    marker = script.parent / "reached"
    if marker.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.killpg(int(marker.read_text()), signal.SIGKILL)
