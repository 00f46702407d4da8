"""Everything `k3stui render` writes, as data: per-role K3s config drop-ins, net-conf.json,
sysctl drop-in and install.sh, the plan as a preset, the chart files (from `k3stui.chart`), a
README and a manifest.json with every file's destination, mode and sha256. Pure: `fsio` writes.
"""

from __future__ import annotations

import contextlib
import json
import shlex
from collections.abc import Sequence
from pathlib import PurePosixPath

from k3stui import defaults
from k3stui.digest import sha256_hex
from k3stui.plan import Plan, is_node_path
from k3stui.records import field, record
from k3stui.render import node_paths
from k3stui.render.install_cmd import PlacedFile, install_command, install_script, judged_version
from k3stui.render.k3s_config import config_yaml, k3s_args, netconf_node_path
from k3stui.render.netconf import netconf, netconf_json
from k3stui.render.sysctl import (
    SYSCTL_NODE_PATH,
    UPLINK_SYSCTL_NODE_PATH,
    sysctl_dropin,
    uplink_lookup_value,
)

ROLES: tuple[str, ...] = ("server", "agent")
DROPIN_NODE_PATH = f"{defaults.CONFIG_DROPIN_DIR}/50-k3stui-network.yaml"
MANIFEST = "manifest.json"
PRESET_NAME = "rendered-plan"


@record
class RenderedFile:
    path: str  # relative to the output folder
    dest: str | None  # absolute path on the node; None: not installed as a file
    mode: int
    roles: tuple[str, ...]  # which nodes get it; () for files that are not per node
    content: bytes
    description: str


@record
class ChartExport:
    """The seam to the chart side: files already computed by `k3stui.chart.chart_export_files`."""

    files: list[RenderedFile] = field(default_factory=list)


def _node_path(path: str) -> PurePosixPath:
    """A destination on the node must be absolute and plain, or the output folder (and the
    node) could be written outside where the file belongs."""
    if not is_node_path(path):
        raise ValueError(f"node path {path!r} must be absolute and normalised (no '..', no '//')")
    return PurePosixPath(path)


def _role_files(plan: Plan, role: str, k3s_version: str | None, notes: list[str],
                others: Sequence[RenderedFile] = ()) -> list[RenderedFile]:
    """The role's own files and its install.sh, which also places `others` meant for this role
    (the chart's auto-deploy manifest must be in place before K3s starts)."""
    out = [RenderedFile(
        path=f"{role}{DROPIN_NODE_PATH}", dest=DROPIN_NODE_PATH, mode=0o600, roles=(role,),
        content=config_yaml(k3s_args(plan, role), role=role).encode(),
        description=f"K3s {role} network settings (config drop-in; 0600: it may carry the join token)",
    )]
    conf = netconf(plan)
    conf_path = netconf_node_path(plan)
    if conf is not None and conf_path:
        _node_path(conf_path)
        out.append(RenderedFile(
            path=f"{role}{conf_path}", dest=conf_path, mode=0o644, roles=(role,),
            content=netconf_json(conf).encode(),
            description="flannel net-conf.json (K3s flag flannel-conf points here)",
        ))
    sysctl = sysctl_dropin(plan)
    if sysctl is not None:
        out.append(RenderedFile(
            path=f"{role}{SYSCTL_NODE_PATH}", dest=SYSCTL_NODE_PATH, mode=0o644, roles=(role,),
            content=sysctl.encode(), description="sysctl drop-in: settings K3s does not make itself",
        ))
    try:
        cmd = install_command(plan, role, k3s_version=k3s_version)
    except ValueError as exc:
        notes.append(f"No {role}/install.sh: {exc}.")
        return out
    mine = [*out, *(f for f in others if role in f.roles and f.path.startswith(f"{role}/"))]
    placed = [PlacedFile(f.path.removeprefix(f"{role}/"), f.dest, f.mode) for f in mine if f.dest]
    text = install_script(cmd, placed, sysctl_path=SYSCTL_NODE_PATH if sysctl is not None else None,
                          node_token=node_paths.node_token(plan), uplink_accept_ra=uplink_lookup_value(plan))
    out.append(RenderedFile(
        path=f"{role}/install.sh", dest=None, mode=0o755, roles=(role,), content=text.encode(),
        description=f"copies the {role} files into place and runs the official K3s install script",
    ))
    return out


def _preset_files(plan: Plan, name: str, description: str) -> list[RenderedFile]:
    from k3stui.presets import SCHEMA_FILE, Preset, dump_preset
    from k3stui.resources import presets_dir

    text = dump_preset(Preset(name, description, plan))
    # The preset writer leaves secrets (the token) out, so plan.yaml is safe to share. Its
    # `$schema=preset.schema.json` comment resolves: the schema is written beside it, the shipped
    # file (byte for byte `presets.schema_text()`, tests/test_render_schema_file.py), not generated
    # and dumped anew on every render.
    return [
        RenderedFile("plan.yaml", None, 0o644, (), text.encode(),
                     "the whole plan as a k3stui preset, secrets left out (k3stui check --preset plan.yaml)"),
        RenderedFile(SCHEMA_FILE, None, 0o644, (), (presets_dir() / SCHEMA_FILE).read_bytes(),
                     "JSON Schema of plan.yaml (editors validate it through its $schema comment)"),
    ]


def _version_notes(k3s_version: str | None, notes: list[str]) -> None:
    from k3stui.versions import K3sVersion, has

    if not k3s_version:
        return
    try:
        version = K3sVersion.parse(k3s_version)
    except ValueError:
        return
    if not has("config-drop-ins", version):
        notes.append(f"K3s {version} may not read {defaults.CONFIG_DROPIN_DIR}/; copy the drop-in's keys "
                     f"into {defaults.CONFIG_FILE} instead.")


_README_HEAD = """\
# K3s network files rendered by k3stui

Each folder holds what one kind of node needs. Copy `server/` to every server and `agent/` to
every agent, then run `sh install.sh` there as root: it copies each file to its place on the node
(below) and runs the official K3s install script with the settings in the config drop-in.
Re-render rather than editing these files; `manifest.json` lists every file with its sha256.
"""
_README_WIRE = """
## What the plan means on the wire

What `k3stui render --explain` prints: ports to open between nodes, the pod MTU, pod subnets, routes.

"""
_README_CHECKS = """
## Check after the install

    kubectl get nodes -o wide          # every node Ready, with the InternalIP you expect"""
_README_CHART_CHECKS = """
    kubectl -n kube-system get helmcharts          # k3s-cni and each CNI chart
    kubectl -n kube-system get jobs | grep helm-install
    kubectl -n kube-system logs job/helm-install-k3s-cni   # and helm-install-<chart> if one fails"""


def _readme(plan: Plan, files: Sequence[RenderedFile], notes: list[str],
            commands: list[tuple[str, str]], chart: bool) -> bytes:
    """README.md: plain Python text (Jinja2's import and compile were a quarter of a render); the
    by-hand install commands shell-quote every path."""
    from k3stui.render.explain import explain, format_explanation

    q = shlex.quote
    out = [_README_HEAD]
    if notes:
        out.append("\n## Read first\n" + "".join(f"\n- {n}" for n in notes) + "\n")
    out.append("\n## Files\n")
    for f in files:
        mode = f"{f.mode:04o}"
        roles = f", {', '.join(f.roles)}" if f.roles else ""
        out.append(f"\n- `{f.path}` ({mode}{roles}):\n  {f.description}")
        if f.dest:
            by_hand = f"install -D -m {mode} {q(f.path)} {q(f.dest)}"
            out.append(f"\n  On the node: `{f.dest}` — by hand: `{by_hand}`")
    out.append("\n")
    for role, cmd in commands:
        out.append(f"\n## Install {'an' if role == 'agent' else 'a'} {role} by hand\n\n    {cmd}\n")
    out.append(_README_WIRE)
    out += [f"    {line}\n" if line else "\n" for line in format_explanation(explain(plan)).splitlines()]
    out.append(_README_CHECKS)
    if chart:
        out.append(_README_CHART_CHECKS)
    out.append("\n    kubectl -n kube-system get pods -o wide\n\n"
               f"Agents join with the token in `{node_paths.node_token(plan)}` on the first server.\n")
    return "".join(out).encode()


def _not_written_note(plan: Plan) -> str | None:
    from k3stui.render.k3s_config import not_written

    keys = sorted({k for role in ROLES for k in not_written(plan, role)})
    if not keys:
        return None
    return (f"Not written to the drop-in: {', '.join(keys)}. They are not network settings: keep them in "
            "your own config.yaml (a drop-in sorts after it and would override it from then on).")


def manifest(files: Sequence[RenderedFile]) -> bytes:
    from k3stui import __version__

    entries = [{
        "path": f.path, "dest": f.dest, "mode": f"{f.mode:04o}", "roles": list(f.roles),
        "sha256": sha256_hex(f.content), "description": f.description,
    } for f in files]
    return (json.dumps({"generator": f"k3stui {__version__}", "files": entries}, indent=2) + "\n").encode()


def render_all(plan: Plan, *, k3s_version: str | None = None, chart: ChartExport | None = None,
               name: str = PRESET_NAME,
               description: str = "the plan these files were rendered from") -> list[RenderedFile]:
    """Every file of the output folder, manifest.json last. `name`/`description` label plan.yaml
    (a preset's own, when rendered from one). Raises ValueError for a plan whose node paths cannot
    be placed (relative or with '..'); the rules report those first."""
    from k3stui.render.install_cmd import one_liner

    notes: list[str] = []
    # install.sh and the README's commands pin the release the plan was judged for.
    k3s_version = judged_version(plan, k3s_version)
    notes.append(f"install.sh installs K3s {k3s_version}, the release this plan was checked against "
                 "(INSTALL_K3S_VERSION); render with --k3s-version to choose another.")
    _version_notes(k3s_version, notes)
    files: list[RenderedFile] = []
    commands: list[tuple[str, str]] = []
    chart_files = chart.files if chart is not None else []
    for role in ROLES:
        files += _role_files(plan, role, k3s_version, notes, chart_files)
        with contextlib.suppress(ValueError):  # already in the notes
            commands.append((role, one_liner(install_command(plan, role, k3s_version=k3s_version))))
    if plan.flannel.conf and netconf(plan) is None and plan.cni.kind == "flannel":
        notes.append(f"flannel-conf points at {plan.flannel.conf}, a file you provide on every node.")
    if "data-dir" in plan.extra:
        notes.append(f"data-dir is {node_paths.data_dir(plan)}: the auto-deploy manifest, the node-token and "
                     "the CNI paths below are under it.")
    if uplink_lookup_value(plan) is not None:
        notes.append("accept_ra: the plan names no uplink (flannel-iface), and the kernel does not copy "
                     "`all.accept_ra` to existing interfaces; install.sh sets it on the interface of the "
                     f"node's IPv6 default route ({UPLINK_SYSCTL_NODE_PATH}).")
    kept = _not_written_note(plan)
    if kept:
        notes.append(kept)
    files += _preset_files(plan, name, description)
    files += chart_files
    readme = _readme(plan, files, notes, commands, chart=bool(chart_files))
    files.append(RenderedFile("README.md", None, 0o644, (), readme, "what each file is and where it goes"))
    seen: set[str] = set()
    for f in files:
        if f.path in seen:
            raise ValueError(f"two rendered files share the path {f.path}")
        seen.add(f.path)
    files.append(RenderedFile(MANIFEST, None, 0o644, (), manifest(files),
                              "every file: path here, destination on the node, mode, roles, sha256"))
    return files
