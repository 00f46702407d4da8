"""Shell: talk to the cluster through `kubectl ... -o json` only (or `k3s kubectl` on a server).

Every call is bounded (`--request-timeout` and a process timeout); a failed read becomes an
`errors` entry of the observation, never an exception out of `collect`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from k3stui.doctor.observations import ClusterObservation, Json
from k3stui.install.hostinfo import CommandFailed
from k3stui.plan import Plan

T = TypeVar("T")
K3S_KUBECONFIG = "/etc/rancher/k3s/k3s.yaml"  # what K3s writes on a server (write-kubeconfig)
REQUEST_TIMEOUT = 10  # seconds per API request


def run_command(argv: Sequence[str], *, timeout: float = 30, stdin: str | None = None) -> str:
    """Run a command, return its stdout; CommandFailed (with its stderr) when it cannot run or fails."""
    try:
        done = subprocess.run(
            list(argv), input=stdin, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CommandFailed(f"{argv[0]}: {exc}") from exc
    if done.returncode != 0:
        text = (done.stderr or done.stdout).strip()
        raise CommandFailed(text.splitlines()[-1] if text else f"{argv[0]} exited {done.returncode}")
    return done.stdout


@dataclass
class Kubectl:
    """`kubectl` with the user's --kubeconfig / --context; `base` is the command itself."""

    base: tuple[str, ...] = ("kubectl",)
    kubeconfig: str | None = None
    context: str | None = None
    calls: list[tuple[str, ...]] = field(default_factory=list)  # what ran, for the report and tests

    @classmethod
    def find(cls, kubeconfig: str | None, context: str | None, root: str = "/") -> Kubectl:
        """kubectl if installed, else `k3s kubectl`; on a server without a kubeconfig, K3s's own."""
        base: tuple[str, ...] = (
            ("kubectl",) if shutil.which("kubectl") or not shutil.which("k3s") else ("k3s", "kubectl")
        )
        if kubeconfig is None and not os.environ.get("KUBECONFIG"):
            server_conf = Path(root) / K3S_KUBECONFIG.lstrip("/")
            if os.access(server_conf, os.R_OK):
                kubeconfig = str(server_conf)
        return cls(base, kubeconfig, context)

    def argv(self, *args: str) -> list[str]:
        out = list(self.base)
        if self.kubeconfig:
            out += ["--kubeconfig", self.kubeconfig]
        if self.context:
            out += ["--context", self.context]
        return [*out, f"--request-timeout={REQUEST_TIMEOUT}s", *args]

    def run(self, *args: str, stdin: str | None = None, timeout: float = 60) -> str:
        argv = self.argv(*args)
        self.calls.append(tuple(args))
        return run_command(argv, timeout=timeout, stdin=stdin)

    def get_json(self, *args: str) -> Json:
        out = self.run(*args, "-o", "json")
        try:
            data = json.loads(out)
        except json.JSONDecodeError as exc:
            raise CommandFailed(f"kubectl {' '.join(args)} gave no JSON: {exc.msg}") from exc
        if not isinstance(data, dict):
            raise CommandFailed(f"kubectl {' '.join(args)} gave no JSON object")
        return data

    def items(self, *args: str) -> tuple[Json, ...]:
        return tuple(i for i in self.get_json("get", *args).get("items") or [] if isinstance(i, dict))


def collect(k: Kubectl, plan: Plan) -> ClusterObservation:
    """Read everything the cluster checks judge; each read that fails is noted and left None."""
    errors: dict[str, str] = {}

    def attempt(what: str, fn: Callable[[], T]) -> T | None:
        try:
            return fn()
        except CommandFailed as exc:
            errors[what] = str(exc)
            return None

    nodes = attempt("nodes", lambda: k.items("nodes"))
    if nodes is None:  # the API is not reachable: say it once, do not try the rest
        return ClusterObservation(errors=errors)
    version = attempt(
        "version",
        lambda: str((k.get_json("version").get("serverVersion") or {}).get("gitVersion", "")) or None,
    )
    kube_dns = attempt("kube-dns", lambda: k.get_json("-n", "kube-system", "get", "service", "kube-dns"))
    helmcharts = attempt("helmcharts", lambda: k.items("helmcharts.helm.cattle.io", "-A"))
    jobs = attempt("jobs", lambda: k.items("jobs", "-A"))
    daemonsets = attempt("daemonsets", lambda: k.items("daemonsets", "-A"))
    deployments = attempt("deployments", lambda: k.items("deployments", "-A"))
    pools = cilium = None
    if plan.cni.kind == "calico":
        pools = attempt("ippools", lambda: k.items("ippools.crd.projectcalico.org"))
    if plan.cni.kind == "cilium":
        cilium = attempt(
            "cilium-config", lambda: k.get_json("-n", "kube-system", "get", "configmap", "cilium-config")
        )
    return ClusterObservation(
        nodes=nodes,
        kube_dns=kube_dns,
        helmcharts=helmcharts,
        jobs=jobs,
        daemonsets=daemonsets,
        deployments=deployments,
        calico_pools=pools,
        cilium_config=cilium,
        server_version=version,
        errors=errors,
    )
