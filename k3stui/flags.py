"""The ONE table of K3s flags k3stui knows: how each is typed, where it is valid, whether it is a
critical value that must match on every server, and which plan field holds it.

A flag with `field=None` is known (so it is not reported as a typo) and kept verbatim in
`Plan.extra`. Source: `../shared/reference/k3s-network.md` §1 and `k3s pkg/cli/cmds/server.go`,
`agent.go`. The names, kinds and scopes of every server and agent flag from v1.19.1 on, with the
releases each appeared and went in, are `k3stui/release_history.py` (generated from K3s's own flag
definitions by scripts/release_history.py; the v1.34.3 set is confirmed with k3s-oracle, see
tests/test_oracle_differential.py); `versions.flag_state` reads it. Here only what the history
cannot say: plan fields, critical values, secrets, replacements, `removed` (the release notes' date
where a flag became fatal while still defined) and `since` (a FEATURES gate naming backports to
patch releases the history did not read).
"""

from __future__ import annotations

from typing import Literal

from k3stui.records import record
from k3stui.release_history import FLAG_HISTORY

Kind = Literal["str", "list", "bool", "int"]
Scope = Literal["server", "agent"]  # agent flags are valid on servers too


@record
class Flag:
    name: str
    kind: Kind = "str"
    scope: Scope = "server"
    critical: bool = False
    field: str | None = None  # Plan attribute path
    short: str | None = None
    since: str | None = None  # versions.FEATURES key: backports the flag history did not read
    removed: str | None = None  # versions.FEATURES key: first release where it is fatal or gone
    secret: bool = False
    replaced_by: str | None = None  # what to write instead once it is removed


_NETWORK_FLAGS = (
    Flag("cluster-cidr", "list", critical=True, field="cluster_cidr"),
    Flag("service-cidr", "list", critical=True, field="service_cidr"),
    Flag("cluster-dns", "list", critical=True, field="cluster_dns"),
    Flag("cluster-domain", critical=True, field="cluster_domain"),
    Flag("service-node-port-range", field="service_node_port_range"),
    Flag("flannel-backend", critical=True, field="flannel.backend"),
    Flag("flannel-ipv6-masq", "bool", critical=True, field="flannel.ipv6_masq"),
    Flag("flannel-external-ip", "bool", critical=True, field="flannel.external_ip",
         since="flannel-external-ip"),
    Flag("flannel-iface", scope="agent", field="flannel.iface"),
    Flag("flannel-conf", scope="agent", field="flannel.conf"),
    Flag("flannel-cni-conf", scope="agent", field="flannel.cni_conf", since="flannel-cni-conf"),
    Flag("disable-network-policy", "bool", critical=True, field="disable_network_policy"),
    Flag("disable-kube-proxy", "bool", field="disable_kube_proxy"),
    Flag("node-ip", "list", scope="agent", field="node_ip", short="i"),
    Flag("node-external-ip", "list", scope="agent", field="node_external_ip"),
    Flag("egress-selector-mode", critical=True, field="egress_selector_mode", since="egress-selector-mode"),
    Flag("server", scope="agent", field="server", short="s"),
    Flag("token", scope="agent", field="token", short="t", secret=True),
    Flag("token-file", scope="agent", field="token_file"),
    Flag("no-flannel", "bool", removed="no-flannel-removed", replaced_by="flannel-backend: none"),
    Flag("no-deploy", "list", removed="no-deploy-removed", replaced_by="disable"),
    Flag("cluster-secret", scope="agent", removed="cluster-secret-removed", replaced_by="token", secret=True),
    Flag("disable-selinux", "bool", scope="agent", removed="disable-selinux-removed",
         replaced_by="selinux (SELinux in containerd is off unless selinux: true)"),
)

# Every other server and agent flag, with its kind, scope and release history: the generated
# `k3stui/release_history.py` (scripts/release_history.py reads K3s pkg/cli/cmds at each release).
# Those flags are known (not reported as typos), kept verbatim and checked for scope, spelling
# and version only. Facts the history cannot know are added here.
_CRITICAL_OTHER = ("disable-helm-controller", "embedded-registry")
_SHORT_OTHER = {"c": "config", "d": "data-dir", "l": "log", "o": "write-kubeconfig"}

# Values that must never be printed, logged, diffed or exported (masked everywhere by one function).
# datastore-endpoint: its URL may carry a password (postgres://user:pass@host/db).
_SECRET_OTHER = (
    "agent-token", "vpn-auth", "datastore-endpoint", "etcd-s3-access-key", "etcd-s3-secret-key",
    "etcd-s3-session-token",
)

# Renamed flags: what to write once the old name is gone (the history shows both names).
_REPLACED_OTHER = {"disable-api-server": "disable-apiserver"}
# Backports to patch releases the history did not read (versions.FEATURES keys).
_SINCE_OTHER = {"vpn-auth": "vpn-auth", "vpn-auth-file": "vpn-auth", "embedded-registry": "embedded-registry"}


def _other(name: str, kind: str, scope: str) -> Flag:
    short = next((s for s, n in _SHORT_OTHER.items() if n == name), None)
    return Flag(name, kind, scope="server" if scope == "server" else "agent",  # type: ignore[arg-type]
                critical=name in _CRITICAL_OTHER, short=short, secret=name in _SECRET_OTHER,
                since=_SINCE_OTHER.get(name), replaced_by=_REPLACED_OTHER.get(name))


FLAGS: dict[str, Flag] = {f.name: f for f in _NETWORK_FLAGS}
for _name, (_kind, _scope, _added, _gone) in FLAG_HISTORY.items():
    if _name not in FLAGS:
        FLAGS[_name] = _other(_name, _kind, _scope)

# Flags of the agent command only (release_history scope "agent-only"): fatal on a server's command line.
AGENT_ONLY: frozenset[str] = frozenset(n for n, entry in FLAG_HISTORY.items() if entry[1] == "agent-only")

SHORT_FLAGS: dict[str, str] = {f.short: f.name for f in FLAGS.values() if f.short}
BY_FIELD: dict[str, Flag] = {f.field: f for f in FLAGS.values() if f.field}
CRITICAL: tuple[str, ...] = tuple(f.name for f in FLAGS.values() if f.critical)
SECRETS: frozenset[str] = frozenset(f.name for f in FLAGS.values() if f.secret)

# StringSlice flags: K3s splits each value on commas (util.SplitStringSlice), so
# `cluster-cidr: "a,b"` and a two-item list are the same setting.
COMMA_SPLIT: frozenset[str] = frozenset(
    {"cluster-cidr", "service-cidr", "cluster-dns", "node-ip", "node-external-ip", "tls-san", "disable"}
)


# StringSlice flags whose parts K3s parses as addresses at start-up: an empty or space-padded part
# is fatal ("invalid cluster-cidr  2001:…"; k3s pkg/cli/server/server.go, confirmed with v1.34.3).
STRICT_SLICE: frozenset[str] = frozenset({"cluster-cidr", "service-cidr", "cluster-dns", "node-ip"})

# Single-value flags whose empty value is not "unset": what K3s then does.
NOT_EMPTY: dict[str, str] = {
    "cluster-domain": "K3s then runs with an empty cluster domain and in-cluster DNS names do not resolve",
    "flannel-backend": "K3s refuses to start (Cannot configure unknown flannel backend '')",
}


def slice_items(value: object) -> list[str]:
    """A StringSlice flag's value as K3s sees it: comma-split, stripped, empties dropped."""
    items = value if isinstance(value, list) else [value]
    return [p.strip() for item in items for p in str(item).split(",") if p.strip()]


# kube-controller-manager arguments that the plan models (node pod-CIDR sizes).
KCM_MASK_ARGS = {
    "node-cidr-mask-size": "node_cidr_mask_size",
    "node-cidr-mask-size-ipv4": "node_cidr_mask_size_ipv4",
    "node-cidr-mask-size-ipv6": "node_cidr_mask_size_ipv6",
}


def lookup(name: str) -> Flag | None:
    return FLAGS.get(name)
