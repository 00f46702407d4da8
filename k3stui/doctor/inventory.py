"""Read a k3s-ansible inventory.yml: group `k3s_cluster` with children `server` and `agent`, one
host each, `ansible_host` its address (the host's key when it has none). Pure parser; the file is
read by the shell. Source: k3s-io/k3s-ansible inventory-sample.yml, roles/k3s_server/defaults
(`cluster_context: k3s-ansible`, `kubeconfig: ~/.kube/config.new`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from k3stui.errors import InputError
from k3stui.plan import Node

DEFAULT_CONTEXT = "k3s-ansible"


@dataclass(frozen=True)
class Inventory:
    nodes: tuple[Node, ...]
    node_ips: dict[str, tuple[str, ...]]  # per-host node-ip host variable, when set
    context: str  # the kubeconfig context k3s-ansible writes
    kubeconfig: str | None  # where k3s-ansible copied it, when the inventory says
    k3s_version: str | None


def _hosts(group: Any) -> dict[str, Any]:
    hosts = (group or {}).get("hosts") if isinstance(group, dict) else None
    return {str(k): (v or {}) for k, v in hosts.items()} if isinstance(hosts, dict) else {}


def _ips(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return ()


def parse_inventory(data: Any, source: str) -> Inventory:
    cluster = data.get("k3s_cluster") if isinstance(data, dict) else None
    children = cluster.get("children") if isinstance(cluster, dict) else None
    if not isinstance(children, dict) or not ({"server", "agent"} & set(children)):
        raise InputError(
            f"{source}: not a k3s-ansible inventory (no group k3s_cluster with children "
            "server and agent); export one with 'k3stui render --ansible'"
        )
    variables = cluster.get("vars") or {}
    nodes, node_ips = [], {}
    for role in ("server", "agent"):
        for name, host in _hosts(children.get(role)).items():
            if not isinstance(host, dict):
                raise InputError(
                    f"{source}: host {name!r} in group {role} must be a mapping of host variables"
                )
            nodes.append(Node(name=name, address=str(host.get("ansible_host", name)), role=role))
            own = _ips(host.get("node_ip") or host.get("node-ip"))
            if own:
                node_ips[name] = own
    if not nodes:
        raise InputError(f"{source}: the server and agent groups list no hosts")
    kubeconfig = variables.get("kubeconfig")
    version = variables.get("k3s_version")
    return Inventory(
        tuple(nodes),
        node_ips,
        str(variables.get("cluster_context") or DEFAULT_CONTEXT),
        str(kubeconfig) if isinstance(kubeconfig, str) and "{{" not in kubeconfig else None,
        str(version) if isinstance(version, str) and "{{" not in version else None,
    )
