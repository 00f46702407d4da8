"""Where the CNI reaches the Kubernetes API before any Service works. Pure.

Without kube-proxy (Cilium's kube-proxy replacement, Calico's eBPF data plane) the `kubernetes`
ClusterIP is served by the CNI itself, so the CNI must be told a real API address first:

* Cilium's agent runs in the host network on every node, so it can use the node-local endpoint
  K3s serves on port 6444: the kube-apiserver on servers, the client load balancer on agents. Both
  bind the primary family's loopback: the apiserver's bind address is `Loopback()` (`::1` when the
  primary service CIDR is IPv6), and an agent's load balancer listens on `[::1]:6444` when its first
  node IP is IPv6 (k3s pkg/daemons/control/server.go, pkg/agent/loadbalancer).
* Calico's components partly run in the pod network, where a loopback is the pod's own: tigera-operator
  needs a server address (a VIP or the server URL's host) on 6443 in its
  `kubernetes-services-endpoint` ConfigMap, or it falls back to the ClusterIP nothing serves yet.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from k3stui import defaults
from k3stui.plan import Plan, effective_service_cidr, parse_network

LOOPBACK_V4 = "127.0.0.1"
LOOPBACK_V6 = "::1"
_LOOPBACK_NAMES = frozenset({LOOPBACK_V4, LOOPBACK_V6, "localhost"})


def primary_is_v6(plan: Plan) -> bool:
    """Is the primary (first) service CIDR IPv6? K3s's Loopback() follows it."""
    cidrs = effective_service_cidr(plan)
    net = parse_network(cidrs[0]) if cidrs else None
    return net is not None and net.version == 6


def local_loopback(plan: Plan) -> str:
    return LOOPBACK_V6 if primary_is_v6(plan) else LOOPBACK_V4


def is_loopback(host: str) -> bool:
    host = host.strip()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cilium_service_host(plan: Plan) -> tuple[str, str | None]:
    """(k8sServiceHost, why it differs from the plan's value or None). A loopback in the plan means
    "the node-local endpoint", which is the primary family's loopback."""
    host = plan.cni.cilium.k8s_service_host
    if not is_loopback(host):
        return host, None
    local = local_loopback(plan)
    if local == LOOPBACK_V6:
        return local, ("k8sServiceHost is ::1, not 127.0.0.1: the primary service CIDR is IPv6, so K3s "
                       "binds its local API endpoint (apiserver and agent load balancer, port 6444) on "
                       "the IPv6 loopback")
    return local, None


def calico_needs_endpoint(plan: Plan) -> bool:
    """tigera-operator needs kubernetesServiceEndpoint with the eBPF data plane or without kube-proxy."""
    return plan.cni.kind == "calico" and (plan.cni.calico.linux_dataplane == "BPF" or plan.disable_kube_proxy)


def _url_host_port(url: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    return (host, port or defaults.SUPERVISOR_PORT) if host else None


def server_address(plan: Plan) -> tuple[str, int] | None:
    """A server address the pod network can reach: the server URL's host (a VIP or the first server),
    else the first server node listed, else a server plan's own first node-ip. Port 6443 serves the API."""
    if plan.server:
        found = _url_host_port(plan.server)
        if found:
            return found
    for node in plan.nodes:
        if node.role == "server" and node.address.strip():
            return node.address.strip(), defaults.SUPERVISOR_PORT
    if plan.role == "server" and plan.node_ip:
        return plan.node_ip[0].strip(), defaults.SUPERVISOR_PORT
    return None


def calico_service_endpoint(plan: Plan) -> tuple[str, int] | None:
    """(host, port) for tigera-operator's kubernetesServiceEndpoint, None when not needed or when
    no usable (non-loopback) server address is known; the rules refuse the latter (CNI008)."""
    if not calico_needs_endpoint(plan):
        return None
    found = server_address(plan)
    if found is None or is_loopback(found[0]):
        return None
    return found
