"""`render --per-node`: a folder per node of the plan, each with that node's own drop-in (the
cluster's network settings plus its node-ip, node-external-ip, flannel-iface and node-name), its node files
and an install.sh; `install --node NAME` installs the same plan (`plan_for_node`). Pure.

With several servers and no external datastore the first listed server starts embedded etcd
(`cluster-init: true`) and the others join it (`server:` its URL, or the plan's `server`, e.g. a
VIP) — K3s's HA-with-embedded-etcd setup (https://docs.k3s.io/datastore/ha-embedded).
"""

from __future__ import annotations

import contextlib
import shlex

from k3stui.plan import Node, Plan, node_plan
from k3stui.records import replace
from k3stui.render.files import (
    PRESET_NAME,
    ChartExport,
    RenderedFile,
    _preset_files,
    _role_files,
    _version_notes,
    manifest,
)
from k3stui.render.install_cmd import install_command, judged_version, one_liner
from k3stui.render.k3s_config import AGENT_TOKEN_FILE, agent_server_url, not_written

NODES_DIR = "nodes"


def embedded_etcd(plan: Plan) -> bool:
    servers = [n for n in plan.nodes if n.role == "server"]
    return len(servers) > 1 and not plan.extra.get("datastore-endpoint")


def plan_for_node(plan: Plan, name: str) -> Plan:
    """The plan node `name` runs, HA join settings included. ValueError names the known nodes."""
    node = next((n for n in plan.nodes if n.name == name), None)
    if node is None:
        known = ", ".join(n.name for n in plan.nodes) or "none: the plan lists no nodes"
        raise ValueError(f"the plan has no node {name!r} (nodes: {known})")
    mine = node_plan(plan, node)
    if node.role != "server" or not embedded_etcd(plan):
        return mine
    first = next(n for n in plan.nodes if n.role == "server")
    if node is first:  # it starts etcd and joins nobody, even when `server` names a VIP
        return replace(mine, server=None, extra={**mine.extra, "cluster-init": True})
    url = plan.server or agent_server_url(replace(plan, nodes=(first,)))
    token_file = plan.token_file or (None if plan.token else AGENT_TOKEN_FILE)
    # It joins the first server's etcd: only that one initialises the cluster.
    extra = {k: v for k, v in mine.extra.items() if k != "cluster-init"}
    return replace(mine, server=url, token_file=token_file, extra=extra)


def _kept_keys(plan: Plan) -> list[str]:
    """The plan's keys no node's drop-in carries (the drop-in holds network settings only)."""
    return sorted({k for n in plan.nodes for k in not_written(plan_for_node(plan, n.name), n.role)
                   if k not in ("node-name", "cluster-init")})  # those go where the node list says


def _relocated(f: RenderedFile, role: str, folder: str) -> RenderedFile:
    return replace(f, path=f"{folder}/{f.path.removeprefix(f'{role}/')}")


def node_files(plan: Plan, node: Node, *, k3s_version: str | None, chart_files: list[RenderedFile],
               notes: list[str]) -> list[RenderedFile]:
    """nodes/NAME/...: the node's files where its install.sh expects them."""
    folder = f"{NODES_DIR}/{node.name}"
    mine = plan_for_node(plan, node.name)
    out = [_relocated(f, node.role, folder)
           for f in _role_files(mine, node.role, k3s_version, notes, chart_files)]
    out += [_relocated(f, node.role, folder) for f in chart_files
            if node.role in f.roles and f.path.startswith(f"{node.role}/")]
    return [replace(f, description=f"{node.name}: {f.description}") for f in out]


_README = """\
# K3s network files rendered by k3stui, one folder per node

`nodes/<name>/` holds what that node needs: its K3s config drop-in (the cluster's network settings
plus the node's own node-ip, node-external-ip, flannel-iface and node-name), the node files and an
`install.sh`. Copy each folder to its node and run `sh install.sh` there as root, or run
`k3stui install --preset plan.yaml --node <name>` on the node. Install the servers first
{%- if etcd %}, starting with {{ first }} (it starts embedded etcd; the other servers join it){% endif %}.
To change a setting, change the plan and render again; `manifest.json` has every file's sha256.

## Nodes
{% for n in nodes %}
- `nodes/{{ n.name }}/` ({{ n.role }}, {{ n.address }}): `sh install.sh`, which runs
  `{{ n.command }}`
{%- endfor %}
{%- if notes %}

## Before you install
{% for n in notes %}
- {{ n }}
{%- endfor %}
{%- endif %}
"""


def _readme(plan: Plan, notes: list[str], commands: dict[str, str]) -> bytes:
    import jinja2  # text for people only

    env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["q"] = shlex.quote
    servers = [n.name for n in plan.nodes if n.role == "server"]
    rows = [{"name": n.name, "role": n.role, "address": n.address,
             "command": commands.get(n.name, "(no install command: see Read first)")} for n in plan.nodes]
    return env.from_string(_README).render(
        nodes=rows, notes=notes, etcd=embedded_etcd(plan), first=servers[0] if servers else "",
    ).encode()


def render_per_node(plan: Plan, *, k3s_version: str | None = None, chart: ChartExport | None = None,
                    name: str = PRESET_NAME,
                    description: str = "the plan these files were rendered from") -> list[RenderedFile]:
    """Every file of the per-node output folder, manifest.json last. ValueError for a plan without
    nodes (render it per role) or one whose files cannot be placed."""
    if not plan.nodes:
        raise ValueError("the plan lists no nodes: render it per role (without --per-node), or add nodes")
    notes: list[str] = []
    # install.sh pins the release the plan was judged for, as in the per-role output.
    k3s_version = judged_version(plan, k3s_version)
    _version_notes(k3s_version, notes)
    chart_files = chart.files if chart is not None else []
    kept = _kept_keys(plan)
    if kept:
        notes.append(f"Not in the drop-ins: {', '.join(kept)}. They are not network settings, so k3stui "
                     "leaves them to each node's own config.yaml: put them there where needed.")
    files: list[RenderedFile] = []
    commands: dict[str, str] = {}
    for node in plan.nodes:
        files += node_files(plan, node, k3s_version=k3s_version, chart_files=chart_files, notes=notes)
        with contextlib.suppress(ValueError):  # already in the notes
            cmd = install_command(plan_for_node(plan, node.name), node.role, k3s_version=k3s_version)
            commands[node.name] = one_liner(cmd)
    files += _preset_files(plan, name, description)
    files += [f for f in chart_files if not f.roles]
    files.append(RenderedFile("README.md", None, 0o644, (), _readme(plan, notes, commands),
                              "which folder goes to which node"))
    paths = [f.path for f in files]
    if len(paths) != len(set(paths)):
        raise ValueError("two rendered files share a path (are two nodes named alike?)")
    files.append(RenderedFile("manifest.json", None, 0o644, (), manifest(files),
                              "every file: path here, destination on the node, mode, roles, sha256"))
    return files
