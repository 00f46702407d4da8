"""`render --ansible DIR`: a folder the official k3s-io/k3s-ansible collection consumes unchanged.

    inventory.yml                      k3s_cluster > server, agent; per host ansible_host + k3stui_node
    group_vars/k3s_cluster/k3stui.yml  k3s_version, api_endpoint, the cluster's server and agent settings
                                       as data, server_config_yaml / agent_config_yaml combining them per host
    group_vars/server/k3stui.yml       extra_manifests: the k3s-cni auto-deploy manifest
    manifests/k3s-cni.yaml             that manifest
    files/..., site.yml                the plan's node files and a wrapper playbook placing them first
                                       (only when the plan has node files)
    airgap/                            with an air-gapped layout: k3s, k3s-install.sh, image archives
    group_vars/k3s_cluster/connection.yml   the user's (written once, never replaced)

Facts from k3s-ansible's roles (commit 281554e): prereq/vars/main.yml reads `cluster-cidr` and
`service-cidr` from `server_config_yaml | from_yaml` and splits them on commas, so they are written
as comma-joined strings; k3s_server combines `server_config_yaml | from_yaml` over its own
token/tls-san/cluster-init/server keys; k3s_agent writes `agent_config_yaml` verbatim and passes
`--server https://{{ api_endpoint }}:{{ api_port }}` and K3S_TOKEN itself, so agent settings hold no
server, token or token-file; both write the result as the whole /etc/rancher/k3s/config.yaml with
mode 0644 (so, unlike the render drop-in, it carries the plan's non-network keys too); without `token`
the first server's is handed to the others. No token or other secret is ever written here: secret
settings become references to variables the user keeps in an ansible-vault file. Pure: the command
writes the files (`user_owned` ones only when absent).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import yaml

from k3stui import defaults, flags
from k3stui.plan import Node, Plan, node_plan
from k3stui.render.files import RenderedFile
from k3stui.render.k3s_config import k3s_args, netconf_node_path, not_written

COLLECTION_PLAYBOOK = "k3s.orchestration.site"
INVENTORY = "inventory.yml"
CLUSTER_VARS = "group_vars/k3s_cluster/k3stui.yml"
SERVER_VARS = "group_vars/server/k3stui.yml"
CONNECTION_VARS = "group_vars/k3s_cluster/connection.yml"
VAULT_VARS = "group_vars/k3s_cluster/vault.yml"
WRAPPER = "site.yml"
MANIFESTS_DIR = "manifests"
AIRGAP_DIR = "airgap"
EXPORT_MARK = ".k3stui-ansible.json"  # lists the generated files: what a re-export may replace
NODE_VAR = "k3stui_node"
SERVER_DATA, AGENT_DATA = "k3stui_server_config", "k3stui_agent_config"
# Keys k3s-ansible sets itself (k3s_server/k3s_agent tasks): never in the settings we hand it.
_ANSIBLE_OWNS = {"server": ("server", "token", "token-file", "cluster-init"),
                 "agent": ("server", "token", "token-file")}
_COMMA_JOINED = ("cluster-cidr", "service-cidr")  # prereq's firewall tasks `split(',')` a string
_IDENTITY = ("node-ip", "node-external-ip", "node-name")
# One host's own addresses that a plan read from its config may hold: k3s-ansible would give them to
# every server, so they stay out (unset, K3s advertises each node's node-ip and binds 0.0.0.0).
_HOST_ADDRESSES = ("advertise-address", "bind-address")
# The k3s-ansible airgap role's own names (roles/airgap/tasks/main.yml).
AIRGAP_NAMES = {"binary": "k3s", "install-script": "k3s-install.sh"}


@dataclass(frozen=True)
class ExportFile:
    path: str  # relative to the export folder
    mode: int
    content: bytes | None = field(default=None, repr=False)
    source: Path | None = None  # big artifacts are copied, never read whole
    user_owned: bool = False  # a starter the user edits: written only when absent
    description: str = ""


@dataclass(frozen=True)
class AirgapArtifact:
    """An air-gap artifact to lay out in airgap/: kind binary | install-script | images."""

    name: str
    kind: str
    source: Path


class Jinja(str):
    """An expression k3stui means Ansible to evaluate. Every other string is the plan's data."""


_DELIMITERS = ("{{", "{%", "{#")


class _Dumper(yaml.SafeDumper):
    """Ansible templates every string it reads from inventory and vars files: a plan value that
    looks like Jinja ("{{ lookup('pipe', ...) }}") would run on the controller. Such values are
    tagged `!unsafe`, which Ansible never templates; k3stui's own expressions stay plain."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if not isinstance(data, Jinja) and any(d in data for d in _DELIMITERS):
        return dumper.represent_scalar("!unsafe", data, style="'")
    return dumper.represent_str(str(data))


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(Jinja, _represent_str)


def _dump(data: Any) -> bytes:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
                     width=4096).encode()


def _doc(header: str, data: Any) -> bytes:
    """A generated YAML file: a comment header, then the dumped data."""
    head = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return b"---\n" + head.encode() + _dump(data)


def cluster_plan(plan: Plan) -> Plan:
    """The plan without one host's identity: what every node shares."""
    extra = {k: v for k, v in plan.extra.items() if k not in _IDENTITY + _HOST_ADDRESSES}
    return replace(plan, node_ip=(), node_external_ip=(), extra=extra)


def _secret_ref(key: str) -> str:
    return "k3stui_" + key.replace("-", "_")


def role_settings(plan: Plan, role: str) -> dict[str, Any]:
    """The cluster-wide K3s settings of a role, as k3s-ansible wants them: the network settings and
    the plan's other keys, without the keys it sets itself, CIDRs comma-joined, every secret a
    reference to a vault variable."""
    base = replace(cluster_plan(plan), role=role, token=None, token_file=None)
    out = k3s_args(base, role)
    # k3s-ansible writes these settings as the node's whole /etc/rancher/k3s/config.yaml (no user
    # file beside it), so the plan's other keys, which the drop-in leaves to the user's files, go too.
    for key in not_written(base, role):
        flag = flags.lookup(key)
        if flag is None or role == "server" or flag.scope != "server":
            value = base.extra[key]
            out[key] = list(value) if isinstance(value, tuple) else value
    for key in _ANSIBLE_OWNS[role]:
        out.pop(key, None)
    if role == "server":
        from k3stui.plan import effective_cluster_cidr, effective_service_cidr

        # Always explicit: k3s-ansible's firewall otherwise assumes the IPv4 defaults.
        out["cluster-cidr"] = list(effective_cluster_cidr(base))
        out["service-cidr"] = list(effective_service_cidr(base))
    for key in _COMMA_JOINED:
        if isinstance(out.get(key), list):
            out[key] = ",".join(out[key])
    for key in list(out):
        if key in flags.SECRETS:
            out[key] = Jinja("{{ " + _secret_ref(key) + " }}")
    return out


def node_settings(plan: Plan, node: Node) -> dict[str, Any]:
    """A node's own keys (node-name, node-ip, node-external-ip, flannel-iface): its host variable."""
    mine = k3s_args(node_plan(cluster_plan(plan), node), node.role)
    out: dict[str, Any] = {"node-name": node.name}
    for key in ("node-ip", "node-external-ip"):
        if key in mine:
            out[key] = mine[key]
    if node.flannel_iface:
        out["flannel-iface"] = node.flannel_iface
    return out


def combined_settings(plan: Plan, node: Node) -> dict[str, Any]:
    """What k3s-ansible's `combine` makes of a host's server_config_yaml / agent_config_yaml (the
    same dict merge, done here for tests and for `doctor`)."""
    return {**role_settings(plan, node.role), **node_settings(plan, node)}


def api_endpoint(plan: Plan) -> tuple[str, int]:
    """Host and port agents and joining servers use: the plan's `server` URL (a VIP or load
    balancer), else the first server node's address."""
    if plan.server:
        parts = urlsplit(plan.server.strip())
        if parts.hostname:
            return parts.hostname, parts.port or defaults.SUPERVISOR_PORT
    first = next((n for n in plan.nodes if n.role == "server"), None)
    if first is None:
        raise ValueError("the plan lists no server node, and k3s-ansible needs one")
    return first.address.strip(), defaults.SUPERVISOR_PORT


def inventory(plan: Plan) -> dict[str, Any]:
    groups: dict[str, Any] = {}
    for role in ("server", "agent"):
        hosts = {n.name: {"ansible_host": n.address.strip(), NODE_VAR: node_settings(plan, n)}
                 for n in plan.nodes if n.role == role}
        groups[role] = {"hosts": hosts}
    return {"k3s_cluster": {"children": groups}}


def inventory_nodes(data: Any, source: str = INVENTORY) -> list[Node]:
    """The nodes of an exported inventory.yml (parsed YAML), the inverse of `inventory`: for
    `doctor --inventory`. Hosts without k3stui's host variable (added by hand) still count, with
    their ansible_host (or name) as address. ValueError names what does not fit."""
    children = (data or {}).get("k3s_cluster", {}).get("children") if isinstance(data, dict) else None
    if not isinstance(children, dict):
        raise ValueError(f"{source}: no k3s_cluster group with children server and agent")
    out: list[Node] = []
    for role in ("server", "agent"):
        hosts = (children.get(role) or {}).get("hosts") or {}
        if not isinstance(hosts, dict):
            raise ValueError(f"{source}: k3s_cluster.children.{role}.hosts must be a mapping")
        for name, hostvars in hosts.items():
            hostvars = hostvars if isinstance(hostvars, dict) else {}
            own = hostvars.get(NODE_VAR) if isinstance(hostvars.get(NODE_VAR), dict) else {}
            out.append(Node(
                name=str(name), address=str(hostvars.get("ansible_host", name)), role=role,
                node_ip=tuple(str(v) for v in _as_list(own.get("node-ip"))),
                node_external_ip=tuple(str(v) for v in _as_list(own.get("node-external-ip"))),
                flannel_iface=str(own["flannel-iface"]) if own.get("flannel-iface") else None,
            ))
    return out


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.split(",")  # K3s splits StringSlice values on commas
    return list(value) if isinstance(value, list | tuple) else [value]


def _combine(data_var: str) -> str:
    # Evaluated by Ansible per host: the cluster's settings, the host's own on top.
    return Jinja("{{ " + data_var + " | combine(" + NODE_VAR + " | default({})) | to_nice_yaml }}")


def secret_keys(plan: Plan) -> list[str]:
    keys = {k for role in ("server", "agent") for k in role_settings(plan, role) if k in flags.SECRETS}
    return sorted(keys)


def cluster_vars(plan: Plan, k3s_version: str, *, airgap: bool) -> dict[str, Any]:
    host, port = api_endpoint(plan)
    out: dict[str, Any] = {"k3s_version": k3s_version, "api_endpoint": host}
    if port != defaults.SUPERVISOR_PORT:
        out["api_port"] = port
    if plan.extra.get("datastore-endpoint"):
        out["use_external_database"] = True  # else k3s-ansible adds cluster-init (embedded etcd)
    if airgap:
        out["airgap_dir"] = Jinja("{{ inventory_dir }}/" + AIRGAP_DIR)
    out[SERVER_DATA] = role_settings(plan, "server")
    out[AGENT_DATA] = role_settings(plan, "agent")
    out["server_config_yaml"] = _combine(SERVER_DATA)
    out["agent_config_yaml"] = _combine(AGENT_DATA)
    return out


def _wrapper(node_files: Sequence[RenderedFile]) -> list[dict[str, Any]]:
    """site.yml: place the node files on every node, then k3s-ansible's own playbook. Their folders
    first: on a fresh node /etc/rancher/k3s does not exist yet (k3s-ansible makes it later, 0755),
    and `copy` creates no parent folder (the simulated-node run, scripts/k3s-ansible-e2e.py, found it)."""
    folders = dict.fromkeys(str(PurePosixPath(f.dest or "/").parent) for f in node_files)
    tasks: list[dict[str, Any]] = [
        {"name": f"Folder {d}", "ansible.builtin.file": {"path": d, "state": "directory", "mode": "0755",
                                                         "owner": "root", "group": "root"}}
        for d in folders
    ]
    tasks += [
        {"name": f"Place {f.dest}",
         "ansible.builtin.copy": {"src": Jinja("{{ playbook_dir }}/" + f.path), "dest": f.dest,
                                  "mode": f"{f.mode:04o}", "owner": "root", "group": "root"},
         **({"notify": "Apply sysctl settings"} if f.path.endswith(".conf") and "sysctl.d" in f.path else {})}
        for f in node_files
    ]
    play: dict[str, Any] = {"name": "k3stui network files", "hosts": "k3s_cluster", "gather_facts": False,
                            "become": True, "tasks": tasks}
    if any("notify" in t for t in tasks):
        play["handlers"] = [{"name": "Apply sysctl settings",
                             "ansible.builtin.command": {"cmd": "sysctl --system"}, "changed_when": True}]
    return [play, {"name": "K3s by k3s-ansible", "ansible.builtin.import_playbook": COLLECTION_PLAYBOOK}]


def _node_files(plan: Plan) -> list[RenderedFile]:
    """The plan's files every node needs before K3s starts (identical for both roles)."""
    from k3stui.render.netconf import netconf, netconf_json
    from k3stui.render.sysctl import SYSCTL_NODE_PATH, sysctl_dropin

    out = []
    conf, conf_path = netconf(plan), netconf_node_path(plan)
    if conf is not None and conf_path:
        out.append(RenderedFile(f"files{conf_path}", conf_path, 0o644, ("server", "agent"),
                                netconf_json(conf).encode(), "flannel net-conf.json (flannel-conf)"))
    sysctl = sysctl_dropin(plan)
    if sysctl is not None:
        out.append(RenderedFile(f"files{SYSCTL_NODE_PATH}", SYSCTL_NODE_PATH, 0o644, ("server", "agent"),
                                sysctl.encode(), "sysctl drop-in: settings K3s does not make itself"))
    return out


_README = """\
# K3s cluster for k3s-ansible, exported by k3stui

This folder is an inventory for the official [k3s-ansible](https://github.com/k3s-io/k3s-ansible)
collection (`k3s.orchestration`): K3s {{ version }}, {{ servers }} server{{ "s" if servers != 1 }} and
{{ agents }} agent{{ "s" if agents != 1 }}. Install the collection once:

    ansible-galaxy collection install git+https://github.com/k3s-io/k3s-ansible.git

Then, from this folder:

    {{ command }}
{%- if wrapper %}

`site.yml` first places the plan's node files on every node, then imports `{{ playbook }}`:
{%- for w in wrapper %}
- `{{ w }}`
{%- endfor %}
{%- endif %}
{%- if etcd %}

With {{ servers }} servers k3s-ansible starts embedded etcd on the first server in `inventory.yml`
and joins the others to `https://{{ endpoint }}:{{ port }}`. Run with `--forks=1` on an existing
cluster so servers restart one at a time.
{%- endif %}

## Files

- `inventory.yml` (generated): the nodes; each host's `{{ node_var }}` holds its own K3s settings.
- `group_vars/k3s_cluster/k3stui.yml` (generated): `k3s_version`, `api_endpoint`, the cluster's
  server and agent settings, and `server_config_yaml` / `agent_config_yaml` combining them with each
  host's own. k3s-ansible writes the result to `/etc/rancher/k3s/config.yaml` with mode 0644
  (readable by every local user: keep secrets out of it, see below).
{%- if manifest %}
- `group_vars/server/k3stui.yml`, `manifests/k3s-cni.yaml` (generated): the pod network, copied by
  k3s-ansible into every server's auto-deploy folder (`extra_manifests`).
{%- endif %}
{%- if airgap %}
- `airgap/` (generated): {{ airgap | join(", ") }}; `airgap_dir` points at it, so k3s-ansible
  copies them and never downloads.
{%- endif %}
- `group_vars/k3s_cluster/connection.yml` (yours): how Ansible reaches the nodes (`ansible_user`,
  keys). k3stui writes it once and never replaces it; per-host settings go in `host_vars/<name>.yml`.

Re-export with k3stui instead of editing the generated files; files you add are left alone.

## The join token

k3stui never writes a token. Without one, k3s-ansible lets the first server generate it and hands it
to the others. To choose it yourself, keep it encrypted with ansible-vault:

    ansible-vault create {{ vault }}     # token: <a long random string>
    {{ command }} --ask-vault-pass
{% if secrets %}
This plan also has secret settings, written as references to vault variables; define them in
the same vault file: {% for s in secrets %}`{{ s }}`{{ ", " if not loop.last }}{% endfor %}.
{% endif %}{% if notes %}
## Read first
{% for n in notes %}
- {{ n }}
{%- endfor %}
{% endif %}"""


def _readme(plan: Plan, version: str, *, wrapper: list[str], manifest: bool, airgap: list[str],
            notes: list[str]) -> bytes:
    import jinja2  # text for people only

    from k3stui.render.per_node import embedded_etcd

    env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    host, port = api_endpoint(plan)
    playbook = WRAPPER if wrapper else COLLECTION_PLAYBOOK
    return env.from_string(_README).render(
        version=version, servers=sum(n.role == "server" for n in plan.nodes),
        agents=sum(n.role == "agent" for n in plan.nodes), playbook=COLLECTION_PLAYBOOK,
        command=f"ansible-playbook {playbook} -i {INVENTORY}", wrapper=wrapper, etcd=embedded_etcd(plan),
        endpoint=f"[{host}]" if ":" in host else host, port=port, node_var=NODE_VAR, manifest=manifest,
        airgap=airgap, vault=VAULT_VARS, secrets=[_secret_ref(k) for k in secret_keys(plan)], notes=notes,
    ).encode()


_CONNECTION = """\
---
# How Ansible reaches the nodes: yours to edit; k3stui never replaces this file.
# ansible_user: debian
# ansible_ssh_private_key_file: ~/.ssh/id_ed25519
ansible_port: 22
"""


def render_ansible(plan: Plan, *, k3s_version: str | None = None, chart_files: Sequence[RenderedFile] = (),
                   airgap: Sequence[AirgapArtifact] | None = None) -> list[ExportFile]:
    """Every file of a k3s-ansible folder for `plan` (which must list nodes), the export mark last.
    `chart_files` are `chart.chart_export_files(plan)` (with upstream charts embedded for an
    air-gapped install); `airgap` lays out airgap/ and sets airgap_dir. ValueError for a plan
    k3s-ansible cannot install."""
    from k3stui.versions import resolve

    if not plan.nodes:
        raise ValueError("the plan lists no nodes: add them (name, address, role) to export for k3s-ansible")
    version = str(resolve(k3s_version or plan.k3s_version))  # what the rules checked the plan against
    notes: list[str] = []
    out: list[ExportFile] = []
    header = "Generated by k3stui for k3s-io/k3s-ansible: re-export instead of editing."
    out.append(ExportFile(INVENTORY, 0o644, _doc(header, inventory(plan)), description="the nodes"))
    group = cluster_vars(plan, version, airgap=airgap is not None)
    out.append(ExportFile(CLUSTER_VARS, 0o644, _doc(header, group), description="cluster settings"))
    manifest = next((f for f in chart_files if f.dest and f.dest.startswith(defaults.AUTO_DEPLOY_DIR + "/")),
                    None)
    if manifest is not None:
        rel = f"{MANIFESTS_DIR}/{PurePosixPath(manifest.dest or '').name}"
        out.append(ExportFile(rel, 0o600, manifest.content, description=manifest.description))
        out.append(ExportFile(SERVER_VARS, 0o644,
                              _doc(header, {"extra_manifests": [Jinja("{{ inventory_dir }}/" + rel)]}),
                              description="extra_manifests for the servers"))
    node_files = _node_files(plan)
    for f in node_files:
        out.append(ExportFile(f.path, f.mode, f.content, description=f.description))
    if node_files:
        out.append(ExportFile(WRAPPER, 0o644, _doc(header, _wrapper(node_files)),
                              description="places the node files, then runs k3s-ansible"))
    if plan.flannel.conf and netconf_node_path(plan) is None and plan.cni.kind == "flannel":
        notes.append(f"flannel-conf points at {plan.flannel.conf}, a file you provide on every node.")
    dropped = [k for k in _HOST_ADDRESSES if k in plan.extra]
    if dropped:
        notes.append(f"Left out: {', '.join(dropped)}, one host's address; every server would get it. "
                     "Unset, K3s advertises each node's own node-ip.")
    laid_out = []
    for a in airgap or ():
        name = AIRGAP_NAMES.get(a.kind, a.name)
        out.append(ExportFile(f"{AIRGAP_DIR}/{name}", 0o755 if a.kind != "images" else 0o644, source=a.source,
                              description=f"air-gap artifact ({a.kind})"))
        laid_out.append(name)
    out.append(ExportFile(CONNECTION_VARS, 0o644, _CONNECTION.encode(), user_owned=True,
                          description="how Ansible reaches the nodes (yours)"))
    readme = _readme(plan, version, wrapper=[f.dest or "" for f in node_files], manifest=manifest is not None,
                     airgap=laid_out, notes=notes)
    out.append(ExportFile("README.md", 0o644, readme, description="the ansible-playbook command"))
    generated = [f.path for f in out if not f.user_owned]
    mark = {"generator": "k3stui", "generated": generated}
    out.append(ExportFile(EXPORT_MARK, 0o644, (json.dumps(mark, indent=2) + "\n").encode(),
                          description="the generated files a re-export replaces"))
    return out
