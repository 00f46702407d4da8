"""Values for the `k3s-cni` chart, from a plan. PURE: no I/O.

Python only decides VALUES; the chart's templates alone render manifests. The shape follows
`charts/k3s-cni/values.yaml`; coalesced with it, as Helm does, the values must validate against
the chart's `values.schema.json` (`k3stui.chart.validate_values` checks before anything is written).
Facts: ../shared/reference/cni-charts.md.
"""

from __future__ import annotations

import re
from typing import Any

from k3stui import defaults, versions
from k3stui.plan import (
    CNI_KINDS,
    Cni,
    MacvlanNetwork,
    Multus,
    Plan,
    effective_cluster_cidr,
    networks,
    node_mask,
    uses_flannel,
)
from k3stui.render import node_paths
from k3stui.render.api_endpoint import calico_service_endpoint, cilium_service_host

Values = dict[str, Any]


def _split_families(cidrs: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """IPv4 and IPv6 CIDRs, normalised; invalid entries are the rules' business, not ours."""
    nets = networks(cidrs)
    return [str(n) for n in nets if n.version == 4], [str(n) for n in nets if n.version == 6]


def _replicas(plan: Plan, chosen: int | None) -> int:
    # Both operators use required anti-affinity or spread: a second replica stays Pending on one node.
    if chosen is not None:
        return chosen
    return 1 if len(plan.nodes) <= 1 else 2


def _helm_controller(k3s: versions.K3sVersion, multus_needs_adoption: bool) -> Values:
    # timeout, failurePolicy, backOffLimit and jobImage keep the chart's defaults (unset).
    return {
        "namespace": "kube-system",
        "createNamespace": versions.has("create-namespace", k3s),
        # Only rke2-multus-crd needs it, and only if it will be rendered (see multus.yaml).
        "takeOwnership": multus_needs_adoption,
    }


def _chart(name: str, repo: str, version: str) -> Values:
    return {"name": name, "repo": repo, "version": version}


def _cilium(plan: Plan, pods_v4: list[str], pods_v6: list[str]) -> Values:
    c = plan.cni.cilium
    pool_v4, pool_v6 = _split_families(c.pool_cidrs) if c.pool_cidrs else (pods_v4, pods_v6)
    host, _ = cilium_service_host(plan)
    operator: Values = {}
    if pool_v4:
        operator |= {"clusterPoolIPv4PodCIDRList": pool_v4, "clusterPoolIPv4MaskSize": node_mask(plan, 4)}
    if pool_v6:
        operator |= {"clusterPoolIPv6PodCIDRList": pool_v6, "clusterPoolIPv6MaskSize": node_mask(plan, 6)}
    out: Values = {
        "chart": _chart("cilium", c.repo, c.version),
        "k8sServiceHost": host,
        "k8sServicePort": c.k8s_service_port,
        "kubeProxyReplacement": c.kube_proxy_replacement,
        "ipv4": {"enabled": bool(pool_v4)},
        "ipv6": {"enabled": bool(pool_v6)},
        "ipam": {"mode": c.ipam_mode, "operator": operator},
        "routingMode": c.routing_mode,
        "tunnelProtocol": c.tunnel_protocol,
        "autoDirectNodeRoutes": c.auto_direct_node_routes,
        "encryption": {"enabled": c.encryption != "none"},
        "cni": {
            # Multus needs its own conflist to survive; Cilium renames foreign ones when exclusive.
            "exclusive": plan.cni.multus is None,
            # flannel is off with Cilium, so containerd uses its defaults.
            "binPath": defaults.CNI_BIN_DIR_DEFAULT,
            "confPath": defaults.CNI_CONF_DIR_DEFAULT,
        },
        "operator": {"replicas": _replicas(plan, c.operator_replicas)},
    }
    if c.encryption != "none":
        out["encryption"]["type"] = c.encryption
    if c.mtu:
        out["MTU"] = c.mtu
    return out


def _calico(plan: Plan, pods_v4: list[str], pods_v6: list[str]) -> Values:
    c = plan.cni.calico
    pool_v4, pool_v6 = _split_families(c.ip_pools) if c.ip_pools else (pods_v4, pods_v6)
    enabled = {True: "Enabled", False: "Disabled"}
    pools = [
        {
            "cidr": cidr,
            "encapsulation": c.encapsulation,
            "natOutgoing": enabled[c.nat_outgoing],
            "blockSize": c.block_size_v4 if version == 4 else c.block_size_v6,
            "nodeSelector": "all()",
        }
        for version, cidrs in ((4, pool_v4), (6, pool_v6))
        for cidr in cidrs
    ]
    # nodeAddressAutodetectionV4/V6 (NodeInternalIP, so Calico follows --node-ip) are set by the
    # chart template for each family that has a pool: no null is needed to drop the IPv4 one.
    network: Values = {
        "bgp": enabled[c.bgp],
        "containerIPForwarding": enabled[c.container_ip_forwarding],
        "linuxDataplane": c.linux_dataplane,
        "ipPools": pools,
    }
    if c.mtu:
        network["mtu"] = c.mtu
    out: Values = {
        "chart": _chart("tigera-operator", c.repo, c.version),
        "crdChart": {"name": "crd.projectcalico.org.v1", "repo": c.repo},  # version: the chart's
        "installation": {
            "controlPlaneReplicas": _replicas(plan, c.control_plane_replicas),
            "calicoNetwork": network,
        },
    }
    endpoint = calico_service_endpoint(plan)
    if endpoint is not None:
        # tigera-operator renders the kubernetes-services-endpoint ConfigMap from it (port: a string).
        out["kubernetesServiceEndpoint"] = {"host": endpoint[0], "port": str(endpoint[1])}
    return out


def multus_cni_dirs(plan: Plan, k3s: versions.K3sVersion) -> tuple[str, str]:
    """(conf dir, bin dir) of K3s's containerd: K3s sets them, under its data-dir, only when
    flannel is on; otherwise containerd's defaults apply."""
    if not uses_flannel(plan):
        return defaults.CNI_CONF_DIR_DEFAULT, defaults.CNI_BIN_DIR_DEFAULT
    static = versions.has("static-cni-bin-dir", k3s)
    return node_paths.flannel_cni_conf_dir(plan), node_paths.flannel_cni_bin_dir(plan, static=static)


def _network(net: MacvlanNetwork) -> Values:
    out: Values = {
        "name": net.name,
        "namespace": net.namespace,
        "master": net.master,
        "mode": net.mode,
        "ipam": net.ipam,
        "subnet": net.subnet,
    }
    optional = (("rangeStart", net.range_start), ("rangeEnd", net.range_end), ("gateway", net.gateway))
    for key, value in optional:
        if value:
            out[key] = value
    if net.mtu:
        out["mtu"] = net.mtu
    return out


def _multus(plan: Plan, m: Multus, k3s: versions.K3sVersion) -> Values:
    conf_dir, bin_dir = multus_cni_dirs(plan, k3s)
    return {
        "enabled": True,
        "chart": _chart("rke2-multus", m.repo, m.version),
        "crdChart": {"name": "rke2-multus-crd", "repo": m.repo},
        "cniConfDir": conf_dir,
        "cniBinDir": bin_dir,
        "whereabouts": m.whereabouts or any(n.ipam == "whereabouts" for n in m.networks),
        "networks": [_network(n) for n in m.networks],
    }


def chart_version_at_least(version: str, minimum: str) -> bool:
    """The chart's `k3s-cni.atLeast` (_helpers.tpl) for upstream chart versions ("v4.3.017",
    "1.20.0"): an empty or unreadable version means "the newest" and passes."""
    def key(text: str) -> tuple[int, ...] | None:
        parts = re.split(r"[.+-]", text.strip().removeprefix("v"))[:3]
        return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else None

    have = key(version)
    return have is None or have >= (key(minimum) or ())


def _multus_crd_chart_rendered(multus: Values | None) -> bool:
    """Mirrors multus.yaml: whereabouts with rke2-multus >= v4.3.009 adds the rke2-multus-crd chart."""
    return bool(multus and multus["whereabouts"]) and chart_version_at_least(
        multus["chart"]["version"], "4.3.009")


def chart_values(plan: Plan, *, k3s_version: str | None = None) -> Values:
    """The k3s-cni chart's values for `plan`: only what the plan decides, on top of the chart's
    defaults (Helm coalesces them). The chosen CNI's block and Multus's when on, nothing else; never a
    null (Helm v3 drops a null key while coalescing, v4 keeps it, so it would render differently).
    `k3s_version` beats `plan.k3s_version`; both unset means the newest K3s k3stui knows. Unknown
    CNI kinds fall back to "none" (nothing rendered). Raises ValueError for a data-dir that
    cannot be placed (the rules report it first)."""
    try:
        k3s = versions.resolve(k3s_version or plan.k3s_version)
    except ValueError:  # the rules report it (VER001) and judge by the newest release; so do we
        k3s = versions.resolve(None)
    pods_v4, pods_v6 = _split_families(effective_cluster_cidr(plan))
    if not (pods_v4 or pods_v6):  # all invalid: the rules report it; keep the values renderable
        pods_v4 = [defaults.CLUSTER_CIDR_V4]
    cni: Cni = plan.cni
    kind = cni.kind if cni.kind in CNI_KINDS else "none"
    multus = _multus(plan, cni.multus, k3s) if cni.multus is not None else None
    controller = _helm_controller(k3s, _multus_crd_chart_rendered(multus))
    values: Values = {"cni": kind, "helmController": controller}
    if kind == "cilium":
        values["cilium"] = _cilium(plan, pods_v4, pods_v6)
    elif kind == "calico":
        values["calico"] = _calico(plan, pods_v4, pods_v6)
    if multus is not None:
        values["multus"] = multus
    return values


def values_notes(plan: Plan) -> list[str]:
    """Why the generated values hold what a reader might not expect (the values file's comment and
    `--explain` print these)."""
    notes = []
    if plan.cni.kind == "cilium":
        _, why = cilium_service_host(plan)
        if why:
            notes.append(why)
    endpoint = calico_service_endpoint(plan)
    if endpoint is not None:
        reason = ("the eBPF data plane" if plan.cni.calico.linux_dataplane == "BPF" else "kube-proxy is off")
        notes.append(f"kubernetesServiceEndpoint is {endpoint[0]}:{endpoint[1]}: with {reason} "
                     "tigera-operator must reach the API server directly (its kubernetes-services-endpoint "
                     "ConfigMap) before the kubernetes Service works; a server address, not a loopback, "
                     "because Calico components in the pod network would reach their own")
    return notes


def chart_needed(plan: Plan) -> bool:
    """Does the plan install anything through the chart (a non-flannel CNI, or Multus)?"""
    return plan.cni.kind in ("calico", "cilium") or plan.cni.multus is not None
