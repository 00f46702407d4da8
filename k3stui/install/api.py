"""The one way through the installer: `prepare(request) -> Actions`, for the CLI, the TUI and the
tests; `runner.run_actions` carries the actions out.

prepare renders the plan once (`rendered.Rendered`), reads the host once (`HostReader.read`, each
file once, config.yaml + config.yaml.d listed as `--config-dir` lists them), merges the existing
configuration once (today, and after with k3stui's drop-in: `preflight.outlook`), runs every
registered preflight check over one `PreflightContext` and plans the actions. Nothing is changed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from k3stui.errors import RenderRefused
from k3stui.findings import Finding
from k3stui.install import preflight
from k3stui.install.actions import Actions, node_paths, plan_actions, wanted_files
from k3stui.install.airgap import Bundle, load_bundle
from k3stui.install.hostinfo import HostReader
from k3stui.install.paths import NodePaths
from k3stui.install.rendered import render
from k3stui.plan import Plan, Role


@dataclass(frozen=True)
class PrepareRequest:
    """What an install is asked to do. `root`: a folder standing for / ("/" is this host);
    `airgap`: a bundle folder (or a loaded Bundle); `findings`: the plan's own (check's), shown and
    counted with preflight's; `reader`: how the host is read (tests pass a sandbox reader);
    `stamp`: the log file's time stamp."""

    plan: Plan
    role: Role | None = None
    root: str = "/"
    airgap: str | Bundle | None = None
    install_script: str | None = None
    k3s_version: str | None = None
    findings: Sequence[Finding] = ()
    reader: HostReader | None = None
    stamp: str | None = None


def _proxy_environ() -> dict[str, str]:
    """The proxy variables this process has: install.sh and K3s inherit them."""
    import os

    return {k: v for k, v in os.environ.items() if k.upper() in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")}


def prepare(request: PrepareRequest | Plan, role: Role | None = None, **keywords: object) -> Actions:
    """Read the host (nothing is changed) and return everything an install would do.

    `prepare(PrepareRequest(plan, ...))`, or the same fields as keywords:
    `prepare(plan, role, root=..., airgap=..., install_script=..., k3s_version=..., findings=...,
    reader=..., stamp=...)`. Raises RenderRefused when the plan's node paths cannot be placed."""
    if isinstance(request, Plan):
        request = PrepareRequest(request, role, **keywords)  # type: ignore[arg-type]
    plan = request.plan
    role = request.role or plan.role
    root = str(Path(request.root).resolve()) if request.root != "/" else "/"
    airgap = request.airgap
    bundle = load_bundle(str(airgap)) if isinstance(airgap, (str, Path)) else airgap
    try:
        rendered = render(plan, request.k3s_version, chart=role == "server")
    except ValueError as exc:  # a node path that cannot be placed (the rules say which)
        raise RenderRefused(f"cannot render the plan for an install: {exc}") from None
    paths = NodePaths.of(plan)
    wanted, missing = wanted_files(rendered, role, bundle, paths)
    reader = request.reader or HostReader(root)
    host = reader.read(files=node_paths(rendered, role, wanted), paths=paths)
    ctx = preflight.context(plan, role, host, rendered, root=root, bundle=bundle,
                            missing_charts=tuple(missing), environ=_proxy_environ())
    script = str(Path(request.install_script).resolve()) if request.install_script else None
    return plan_actions(
        ctx,
        wanted,
        install_script=script,
        findings=request.findings,
        stamp=request.stamp or time.strftime("%Y%m%d-%H%M%S"),
    )
