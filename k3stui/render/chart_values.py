"""Values for the `k3s-cni` chart, from a plan. PURE: no I/O.

Python only decides VALUES; the chart's templates alone render manifests. The shape follows
`charts/k3s-cni/values.yaml` and must validate against its `values.schema.json` (tests check it).
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
    Plan,
    effective_cluster_cidr,
    networks,
    node_mask,
    uses_flannel,
)

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
    return {
        "namespace": "kube-system",
        "createNamespace": versions.has("create-namespace", k3s),
        # Only rke2-multus-crd needs it, and only if it will be rendered (see multus.yaml).
        "takeOwnership": multus_needs_adoption,
        "timeout": "",
        "failurePolicy": "",
        "backOffLimit": None,
        "jobImage": "",
    }


def _chart(name: str, repo: str, version: str) -> Values:
    return {"name": name, "repo": repo, "version": version, "chartContent": ""}


def _cilium(plan: Plan, pods_v4: list[str], pods_v6: list[str]) -> Values:
    c = plan.cni.cilium
    pool_v4, pool_v6 = _split_families(c.pool_cidrs) if c.pool_cidrs else (pods_v4, pods_v6)
    return {
        "chart": _chart("cilium", c.repo, c.version),
        "releaseName": "cilium",
        "targetNamespace": "kube-system",
        "k8sServiceHost": c.k8s_service_host,
        "k8sServicePort": c.k8s_service_port,
        "kubeProxyReplacement": c.kube_proxy_replacement,
        "ipv4": {"enabled": bool(pool_v4)},
        "ipv6": {"enabled": bool(pool_v6)},
        "ipam": {
            "mode": c.ipam_mode,
            "operator": {
                "clusterPoolIPv4PodCIDRList": pool_v4,
                "clusterPoolIPv4MaskSize": node_mask(plan, 4),
                "clusterPoolIPv6PodCIDRList": pool_v6,
                "clusterPoolIPv6MaskSize": node_mask(plan, 6),
            },
        },
        "routingMode": c.routing_mode,
        "tunnelProtocol": c.tunnel_protocol,
        "autoDirectNodeRoutes": c.auto_direct_node_routes,
        "ipv4NativeRoutingCIDR": "",  # "": the chart uses the first pool in native mode
        "ipv6NativeRoutingCIDR": "",
        "encryption": {
            "enabled": c.encryption != "none",
            "type": c.encryption if c.encryption != "none" else "wireguard",
        },
        "MTU": c.mtu or 0,
        "cni": {
            # Multus needs its own conflist to survive; Cilium renames foreign ones when exclusive.
            "exclusive": plan.cni.multus is None,
            # flannel is off with Cilium, so containerd uses its defaults.
            "binPath": defaults.CNI_BIN_DIR_DEFAULT,
            "confPath": defaults.CNI_CONF_DIR_DEFAULT,
        },
        "operator": {"replicas": _replicas(plan, c.operator_replicas)},
        "values": {},
    }


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
    network: Values = {
        "bgp": enabled[c.bgp],
        "containerIPForwarding": enabled[c.container_ip_forwarding],
        "linuxDataplane": c.linux_dataplane,
        # NodeInternalIP follows K3s --node-ip on multi-NIC nodes; null removes the chart default.
        "nodeAddressAutodetectionV4": {"kubernetes": "NodeInternalIP"} if pool_v4 else None,
        "ipPools": pools,
    }
    if pool_v6:
        network["nodeAddressAutodetectionV6"] = {"kubernetes": "NodeInternalIP"}
    if c.mtu:
        network["mtu"] = c.mtu
    return {
        "chart": _chart("tigera-operator", c.repo, c.version),
        "crdChart": _chart("crd.projectcalico.org.v1", c.repo, ""),
        "releaseName": "calico",
        "targetNamespace": "tigera-operator",
        "installation": {
            "kubernetesProvider": "",  # there is no K3s provider; RKE2 would set wrong paths
            "controlPlaneReplicas": _replicas(plan, c.control_plane_replicas),
            "calicoNetwork": network,
        },
        "values": {},
    }


def multus_cni_dirs(plan: Plan, k3s: versions.K3sVersion) -> tuple[str, str]:
    """(conf dir, bin dir) of K3s's containerd: K3s sets them only when flannel is on."""
    if not uses_flannel(plan):
        return defaults.CNI_CONF_DIR_DEFAULT, defaults.CNI_BIN_DIR_DEFAULT
    bin_dir = (
        defaults.CNI_BIN_DIR_FLANNEL
        if versions.has("static-cni-bin-dir", k3s)
        else defaults.CNI_BIN_DIR_FLANNEL_OLD
    )
    return defaults.CNI_CONF_DIR_FLANNEL, bin_dir


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


def _multus(plan: Plan, k3s: versions.K3sVersion) -> Values:
    m = plan.cni.multus
    conf_dir, bin_dir = multus_cni_dirs(plan, k3s)
    return {
        "enabled": m is not None,
        "chart": _chart("rke2-multus", m.repo if m else defaults.MULTUS_REPO,
                        m.version if m else defaults.MULTUS_VERSION),
        "crdChart": _chart("rke2-multus-crd", m.repo if m else defaults.MULTUS_REPO, ""),
        "releaseName": "multus",
        "targetNamespace": "kube-system",
        "cniConfDir": conf_dir,
        "cniBinDir": bin_dir,
        "whereabouts": bool(m and (m.whereabouts or any(n.ipam == "whereabouts" for n in m.networks))),
        "dhcpDaemonSet": False,
        "values": {},
        "networks": [_network(n) for n in m.networks] if m else [],
    }


def chart_version_at_least(version: str, minimum: str) -> bool:
    """The chart's `k3s-cni.atLeast` (_helpers.tpl) for upstream chart versions ("v4.3.017",
    "1.20.0"): an empty or unreadable version means "the newest" and passes."""
    def key(text: str) -> tuple[int, ...] | None:
        parts = re.split(r"[.+-]", text.strip().removeprefix("v"))[:3]
        return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else None

    have = key(version)
    return have is None or have >= (key(minimum) or ())


def _multus_crd_chart_rendered(multus: Values) -> bool:
    """Mirrors multus.yaml: whereabouts with rke2-multus >= v4.3.009 adds the rke2-multus-crd chart."""
    return bool(multus["enabled"] and multus["whereabouts"]) and chart_version_at_least(
        multus["chart"]["version"], "4.3.009")


def chart_values(plan: Plan, *, k3s_version: str | None = None) -> Values:
    """The k3s-cni chart's values for `plan`. `k3s_version` beats `plan.k3s_version`; both unset
    means the newest K3s k3stui knows. Unknown CNI kinds fall back to "none" (nothing rendered)."""
    try:
        k3s = versions.resolve(k3s_version or plan.k3s_version)
    except ValueError:  # the rules report it (VER001) and judge by the newest release; so do we
        k3s = versions.resolve(None)
    pods_v4, pods_v6 = _split_families(effective_cluster_cidr(plan))
    if not (pods_v4 or pods_v6):  # all invalid: the rules report it; keep the values renderable
        pods_v4 = [defaults.CLUSTER_CIDR_V4]
    cni: Cni = plan.cni
    values: Values = {
        "cni": cni.kind if cni.kind in CNI_KINDS else "none",
        "cilium": _cilium(plan, pods_v4, pods_v6),
        "calico": _calico(plan, pods_v4, pods_v6),
        "multus": _multus(plan, k3s),
    }
    values["helmController"] = _helm_controller(k3s, _multus_crd_chart_rendered(values["multus"]))
    return {key: values[key] for key in ("cni", "helmController", "cilium", "calico", "multus")}


def chart_needed(plan: Plan) -> bool:
    """Does the plan install anything through the chart (a non-flannel CNI, or Multus)?"""
    return plan.cni.kind in ("calico", "cilium") or plan.cni.multus is not None
