"""The K3s config drop-in for a role, as data: K3s flag names -> values, driven by `flags.FLAGS`.

Only values that differ from a fresh `Plan()` are written, so the file says exactly what the plan
changes and `importers.to_plan.plan_from_args(k3s_args(plan, plan.role))` gives the plan's network
settings back. The drop-in carries the network plan only: it sorts after the user's own files and
would silently override them from then on (and `key+:` lists would become a replace), so every other
key a plan read from a host's config (tls-san, node-label, write-kubeconfig-mode ...) stays in the
user's files; rules may read them, the drop-in never writes them (`not_written`).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from k3stui import defaults, flags
from k3stui.plan import Plan, Secret, get_value

# Where the agent config points `token-file` when the plan names neither a token nor a file:
# the operator copies the server's /var/lib/rancher/k3s/server/node-token there.
AGENT_TOKEN_FILE = defaults.AGENT_TOKEN_FILE
# Where the rendered net-conf.json goes on every node unless `flannel.conf` says otherwise.
NETCONF_NODE_PATH = defaults.FLANNEL_CONF_PATH
KCM_ARG = "kube-controller-manager-arg"

# Per-host identity: it belongs to the host the plan describes (plan.role) and must not be copied
# into the other role's config, or a second host would claim the first host's addresses.
_HOST_IDENTITY = frozenset({"node-ip", "node-external-ip", "node-name"})

_DEFAULT_PLAN = Plan()
# Unmodelled keys the drop-in still carries: every node path k3stui renders (auto-deploy manifest,
# node-token, CNI dirs) derives from data-dir, so it must be in effect when K3s starts.
DROPIN_EXTRA_KEYS = frozenset({"data-dir"})
# Keys the plan's node list decides for the node a plan is rendered for (`render --per-node`,
# `install --node`: render.per_node.plan_for_node): its name, and cluster-init on the first of
# several embedded-etcd servers (K3s HA: https://docs.k3s.io/datastore/ha-embedded). k3stui derives
# them from the plan, so that node's drop-in carries them; a role-wide plan leaves them to the user.
NODE_LIST_KEYS = frozenset({"node-name", "cluster-init"})


def netconf_node_path(plan: Plan) -> str | None:
    """Node path of the net-conf.json flannel reads, when the plan renders one."""
    if not plan.flannel.needs_netconf or plan.cni.kind != "flannel" or plan.flannel.backend == "none":
        return None
    return plan.flannel.conf or NETCONF_NODE_PATH


def agent_server_url(plan: Plan) -> str | None:
    """The URL agents join: the plan's `server`, else the first server node's address."""
    if plan.server:
        return plan.server
    for node in plan.nodes:
        if node.role == "server":
            host = node.address.strip()
            try:
                if ipaddress.ip_address(host).version == 6:
                    host = f"[{host}]"
            except ValueError:
                pass  # a DNS name
            return f"https://{host}:{defaults.SUPERVISOR_PORT}"
    return None


def _for_a_node(plan: Plan) -> bool:
    """The plan is one node's of its node list (named and with that node's role)."""
    name = plan.extra.get("node-name")
    return any(n.name == name and n.role == plan.role for n in plan.nodes)


def _as_server(plan: Plan) -> Plan:
    """The plan as its servers run it: the values its choices imply applied (one source:
    implications.py; idempotent, so an already applied plan is unchanged). Done here too so the
    server file is right even for a plan of an agent, which carries no server flags itself."""
    from k3stui.implications import apply_implications
    from k3stui.records import replace

    return replace(apply_implications(replace(plan, role="server"))[0], role=plan.role)


def _as_config_value(flag: flags.Flag, value: Any) -> Any:
    if isinstance(value, Secret):
        value = value.value
    if flag.kind == "list":
        return [str(v) for v in value]
    if flag.kind == "bool":
        return bool(value)
    if flag.kind == "int":
        return int(value)
    return str(value)


def _modeled(plan: Plan, role: str) -> dict[str, Any]:
    source = _as_server(plan) if role == "server" else plan
    out: dict[str, Any] = {}
    for flag in flags.FLAGS.values():
        if flag.field is None or (role == "agent" and flag.scope == "server"):
            continue
        if flag.name in _HOST_IDENTITY and role != plan.role:
            continue
        value = get_value(source, flag.field)
        if value is None or value == get_value(_DEFAULT_PLAN, flag.field):
            continue
        out[flag.name] = _as_config_value(flag, value)
    return out


def _role_specific(plan: Plan, role: str, out: dict[str, Any]) -> None:
    """server/token/flannel-conf: the keys whose presence depends on the role, not just the plan."""
    if role == "agent":
        url = agent_server_url(plan)
        if url:
            out["server"] = url
    elif plan.role != "server":
        out.pop("server", None)  # an agent plan's URL: the first server does not join anyone
    # A literal token only when there is no file to point at.
    if plan.token_file:
        out.pop("token", None)
    elif role == "agent" and not plan.token:
        out["token-file"] = AGENT_TOKEN_FILE
    path = netconf_node_path(plan)
    if path:
        out["flannel-conf"] = path


def _mask_args(plan: Plan) -> list[str]:
    out = []
    for arg, attr in flags.KCM_MASK_ARGS.items():
        value = getattr(plan, attr)
        if value is not None:
            out.append(f"{arg}={int(value)}")
    return out


def k3s_args(plan: Plan, role: str) -> dict[str, Any]:
    """The K3s config keys for `role` ("server" or "agent"), in flag-table order then plan.extra's."""
    if role not in ("server", "agent"):
        raise ValueError(f"role must be 'server' or 'agent', not {role!r}")
    out = _modeled(plan, role)
    _role_specific(plan, role, out)

    carried = DROPIN_EXTRA_KEYS | NODE_LIST_KEYS if _for_a_node(plan) else DROPIN_EXTRA_KEYS
    for key, value in plan.extra.items():
        flag = flags.lookup(key)
        if key in out or key not in carried:
            continue  # a modeled value wins over a stray verbatim copy; other keys are the user's
        if flag is not None and role == "agent" and flag.scope == "server":
            continue
        if key in _HOST_IDENTITY and role != plan.role:
            continue
        out[key] = list(value) if isinstance(value, tuple) else value

    if role == "server":
        masks = _mask_args(plan)
        if masks:
            # The node masks live in kube-controller-manager-arg, a list the drop-in replaces: keep the
            # user's other arguments in it, or they would be lost.
            modeled = {m.split("=", 1)[0] for m in masks}
            kept = [a for a in _as_list(plan.extra.get(KCM_ARG)) if str(a).split("=", 1)[0] not in modeled]
            out[KCM_ARG] = [str(a) for a in kept] + masks
    return out


def not_written(plan: Plan, role: str) -> list[str]:
    """Keys the plan holds (read from a host's config, a preset or flags) that the role's drop-in
    does not carry because they are not network settings: they stay where the user wrote them."""
    written = k3s_args(plan, role)
    return [k for k in plan.extra if k not in written]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def config_yaml(args: dict[str, Any], *, role: str) -> str:
    """The drop-in text: a short header, then the dumped data (never templated)."""
    from k3stui import yamlout

    header = (
        f"# Generated by k3stui: the network settings of this K3s {role}.\n"
        "# K3s reads /etc/rancher/k3s/config.yaml.d/*.yaml after config.yaml, in name order.\n"
        "# Re-render instead of editing; keys: https://docs.k3s.io/cli/" + role + "\n"
    )
    body = yamlout.dump(args, sort_keys=False, default_flow_style=False, allow_unicode=True, width=4096)
    return header + body


def managed_keys(plan: Plan, role: str) -> list[str]:
    """Keys k3stui owns in a role's config: a merge removes those the plan no longer sets.
    Never the token (a user's secret is not ours to delete) nor, for the other role, the
    host's identity (the plan does not know that host's addresses)."""
    out = []
    for flag in flags.FLAGS.values():
        if flag.field is None or flag.secret or (role == "agent" and flag.scope == "server"):
            continue
        if flag.name in _HOST_IDENTITY and role != plan.role:
            continue
        out.append(flag.name)
    return out
