"""The installer for callers that hold a Plan: read the host and plan the actions (`prepare`);
`runner.run_actions` carries them out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from k3stui.findings import Finding
from k3stui.install.actions import Actions, node_paths, plan_actions
from k3stui.install.airgap import Bundle, load_bundle
from k3stui.install.hostinfo import HostReader
from k3stui.plan import Plan


def prepare(
    plan: Plan,
    role: str | None = None,
    *,
    root: str = "/",
    airgap: str | Bundle | None = None,
    install_script: str | None = None,
    k3s_version: str | None = None,
    findings: Sequence[Finding] = (),
    reader: HostReader | None = None,
    stamp: str | None = None,
) -> Actions:
    """Read the host (nothing is changed) and return everything an install would do."""
    import time

    role = role or plan.role
    root = str(Path(root).resolve()) if root != "/" else "/"
    bundle = load_bundle(airgap) if isinstance(airgap, (str, Path)) else airgap
    reader = reader or HostReader(root)
    host = reader.read(files=node_paths(plan, role, bundle, k3s_version))
    script = str(Path(install_script).resolve()) if install_script else None
    return plan_actions(
        plan,
        role,
        root,
        host,
        bundle,
        k3s_version=k3s_version,
        install_script=script,
        findings=findings,
        stamp=stamp or time.strftime("%Y%m%d-%H%M%S"),
    )
