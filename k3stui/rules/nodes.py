"""The plan's node list: names, addresses, roles, and each node's own K3s addresses.

A node's own settings are judged by the same address rules as a single host's (`addresses.py`),
run on the plan as that node runs it (`plan.node_plan`), so there is one source for what K3s accepts.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Iterator

from k3stui import plan as p
from k3stui.findings import Finding, Severity
from k3stui.rules import addresses
from k3stui.rules.context import Address, Context, LazyPattern, parse_ip
from k3stui.rules.registry import NET, E, W, emit, rule

KEY = "nodes"
# Kubernetes node names are DNS-1123 subdomains; k3stui also uses them as folder and Ansible host names.
_DNS1123_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
_NAME_RE = LazyPattern(_DNS1123_SUBDOMAIN)
_HOSTNAME_RE = LazyPattern(_DNS1123_SUBDOMAIN, re.IGNORECASE)
_HA_DOC = "https://docs.k3s.io/datastore/ha-embedded"
_K8S_NAMES = "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/"


@rule(
    E("NODE001", KEY, "two nodes share a name", f"{_K8S_NAMES}; k3s-ansible inventory",
      doc="Each node name is a Kubernetes node name, an Ansible inventory host and a folder of "
          "`render --per-node`; two nodes with one name would overwrite each other. Rename one."),
    E("NODE002", KEY, "two nodes share an address or node-ip", f"{NET} §1 (node-ip)",
      doc="A node's address is how Ansible reaches it and its node-ip is the address it registers; "
          "two nodes claiming one address break both. Give each node its own."),
    E("NODE003", KEY, "the node list has no server", "k3s-ansible playbooks/site.yml (server group)",
      doc="Agents join a server, and k3s-ansible's site.yml installs its first server before any agent. "
          "Mark at least one node `role: server`."),
    E("NODE004", KEY, "node name is not a valid Kubernetes node name", _K8S_NAMES,
      doc="Node names must be DNS-1123 subdomains (lower case letters, digits, '-' and '.', at most "
          "253 characters); k3stui writes them as node-name, folder names and inventory hosts."),
    E("NODE005", KEY, "node address is neither an IP address nor a host name", "k3s-ansible ansible_host",
      doc="`address` is the node's ansible_host (and, without node-ip, the address servers are joined "
          "at): an IP address or a DNS name."),
    E("NODE006", KEY, "node role is not server or agent", "k3s-ansible inventory groups",
      doc="Every node is in k3s-ansible's `server` or `agent` group."),
)
def node_list(ctx: Context) -> Iterator[Finding]:
    nodes = ctx.plan.nodes
    if not nodes:
        return
    for name, count in Counter(n.name for n in nodes).items():
        if count > 1:
            yield emit("NODE001", f'{count} nodes are named "{name}"', "Give every node its own name.")
    claims: dict[str, list[str]] = {}
    for n in nodes:
        for a in dict.fromkeys((_norm(n.address), *map(_norm, n.node_ip))):
            claims.setdefault(a, []).append(n.name)
    for a, names in claims.items():
        if len(names) > 1:
            yield emit("NODE002", f"nodes {', '.join(names)} all claim the address {a}",
                       "Give each node its own address and node-ip.")
    if not any(n.role == "server" for n in nodes):
        yield emit("NODE003", f"none of the {len(nodes)} nodes is a server: agents would have nothing "
                              "to join",
                   "Mark at least one node as a server (name=address@server in the TUI, role: server in a "
                   "preset).")
    for n in nodes:
        if len(n.name) > 253 or not _NAME_RE.match(n.name):
            yield emit("NODE004", f'node name "{n.name}" is not a valid Kubernetes node name',
                       "Use lower case letters, digits, '-' and '.', starting and ending with a letter or "
                       "digit (e.g. srv1).")
        if parse_ip(n.address) is None and not (len(n.address) <= 253 and _HOSTNAME_RE.match(n.address)):
            yield emit("NODE005", f'node {n.name}: address "{n.address}" is neither an IP address nor a host '
                                  "name", "Write the address Ansible reaches the node at, e.g. 192.0.2.11.")
        if n.role not in ("server", "agent"):
            yield emit("NODE006", f'node {n.name}: role "{n.role}" is not server or agent',
                       "Use server or agent.")


def _norm(text: str) -> str:
    a = parse_ip(text)
    return str(a) if a is not None else text.strip().lower()


@rule(
    W("NODE010", KEY, "an even number of embedded-etcd servers", f"{_HA_DOC}; etcd FAQ (quorum)",
      doc="Embedded etcd needs a majority of servers up: 2 servers tolerate no failure (like 1) and 4 "
          "tolerate one (like 3), so an even count adds a machine without adding fault tolerance. Use "
          "an odd number of servers, or an external datastore (datastore-endpoint)."),
)
def etcd_quorum(ctx: Context) -> Iterator[Finding]:
    servers = sum(1 for n in ctx.plan.nodes if n.role == "server")
    if servers >= 2 and servers % 2 == 0 and not ctx.plan.extra.get("datastore-endpoint"):
        tolerated = (servers - 1) // 2
        yield emit("NODE010", f"{servers} servers with embedded etcd tolerate {tolerated} failed server"
                              f"{'s' if tolerated != 1 else ''}, no more than {servers - 1} servers do",
                   f"Use {servers - 1} or {servers + 1} servers (an odd number), or an external datastore.")


@rule(
    E("NODE020", KEY, "a node's own node-ip or node-external-ip is wrong for the cluster",
      f"{NET} §1, §3, §10.1 (the node-ip rules, per node)",
      doc="Each node's node-ip and node-external-ip are checked like a single host's (the CIDR010-CIDR022 "
          "rules): entries must be IP addresses, the first node-ip of the cluster's primary family, at "
          "most one per family and one per family of a dual-stack cluster, outside cluster-cidr and "
          "service-cidr. The message names the node and the rule."),
    W("NODE021", KEY, "a node's own node-ip draws a warning for the cluster",
      f"{NET} §1, §10.1 (the node-ip rules, per node)",
      doc="The warning-level node-ip rules (CIDR017: a single-family node-ip on a dual-stack cluster, "
          "for K3s releases before the family check) judged for each node's own node-ip. The message "
          "names the node and the rule."),
    W("NODE022", KEY, "IPv6-only cluster but a node has only an IPv4 address",
      f"{NET} §1 (node-ip auto-detection), §3",
      doc="Without node-ip K3s takes the default-route IPv4 address as the node IP, and an IPv4 node IP "
          "on an IPv6-only cluster is fatal. Set the node's IPv6 node-ip."),
    W("NODE023", "node-ip", "node-ip set for the whole plan while it lists nodes", f"{NET} §1 (node-ip)",
      doc="A plan-wide node-ip belongs to one host; with a node list every node needs its own (set "
          "node-ip per node). `render --per-node` and `render --ansible` leave the plan-wide one out."),
)
def node_addresses(ctx: Context) -> Iterator[Finding]:
    plan = ctx.plan
    if not plan.nodes:
        return
    if plan.node_ip or plan.node_external_ip:
        yield emit("NODE023", f"node-ip/node-external-ip are set for the whole plan, which lists "
                              f"{len(plan.nodes)} nodes: every node would claim them",
                   "Set node-ip on each node instead (nodes[].node-ip).")
    # The node-ip rules per node: an error (fatal to K3s) is NODE020, a warning NODE021.
    checks = (addresses.families, addresses.node_addresses, addresses.overlap)
    for n in plan.nodes:
        if not n.node_ip and not n.node_external_ip:
            address = parse_ip(n.address)
            if address is not None and address.version == 4 and set(ctx.cluster_by_v) == {6}:
                yield emit("NODE022", f"node {n.name}: the cluster is IPv6-only but its address {address} is "
                                      "IPv4 and it has no node-ip", f"Set node {n.name}'s IPv6 node-ip.")
            continue
        node_ctx = Context(p.node_plan(plan, n), ctx.version)
        for check in checks:
            for f in check(node_ctx):
                if f.key not in ("node-ip", "node-external-ip"):
                    continue  # cluster-wide findings are already reported once
                code = "NODE020" if f.severity is Severity.ERROR else "NODE021"
                yield emit(code, f"node {n.name} ({f.code}): {f.message}", f.hint)


# Address blocks that cannot share one on-link subnet: nodes in two of them are not on one segment.
_BLOCKS = tuple(ipaddress.ip_network(b) for b in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16",
    "fc00::/7", "fe80::/10",
))


def _block(a: Address) -> str:
    for b in _BLOCKS:
        if a.version == b.version and a in b:
            return str(b)
    return "public IPv4" if a.version == 4 else "global IPv6"


@rule(
    W("NODE030", KEY, "host-gw nodes are not on one L2 segment", f"{NET} §1, §4 (host-gw)",
      doc="host-gw adds a route per node via that node's IP, which the kernel accepts only for an on-link "
          "gateway: every node must be on one L2 segment. k3stui can only tell when the node IPs lie in "
          "different address blocks (10/8, 172.16/12, 192.168/16, 100.64/10, public; fc00::/7, global "
          "IPv6), which no single subnet spans; it says nothing when they might share one."),
)
def host_gw_segment(ctx: Context) -> Iterator[Finding]:
    if not p.uses_flannel(ctx.plan) or ctx.plan.flannel.backend != "host-gw" or len(ctx.plan.nodes) < 2:
        return
    for version in (4, 6):
        blocks: dict[str, list[str]] = {}
        for n in ctx.plan.nodes:
            ips = [a for a in map(parse_ip, n.node_ip or (n.address,))
                   if a is not None and a.version == version]
            if ips:
                blocks.setdefault(_block(ips[0]), []).append(n.name)
        if len(blocks) > 1:
            where = "; ".join(f"{', '.join(names)} in {b}" for b, names in blocks.items())
            yield emit("NODE030", f"host-gw needs every node on one L2 segment, but the node IPs lie in "
                                  f"different address blocks ({where})",
                       "Use vxlan (optionally with DirectRouting), or give the nodes node-ips on one subnet.")
