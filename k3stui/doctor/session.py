"""Shell: one doctor run, the same for the CLI and the TUI. Collect what the asked layers need
(this node, the cluster, every node through the probe, the connectivity test), then run the pure
checks on it. `run_until_green` repeats that until nothing fails or the deadline passes.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from k3stui import plan as p
from k3stui.doctor import checks, manifests
from k3stui.doctor.collect_node import NodeSource, identify, read_node
from k3stui.doctor.expected import data_dir
from k3stui.doctor.kubectl import Kubectl, collect, run_command
from k3stui.doctor.observations import (
    ClusterObservation,
    ConnectivityObservation,
    DoctorContext,
    Json,
    NodeFacts,
    NodeObservation,
    Peer,
    ProbeResult,
)
from k3stui.doctor.results import Result, is_green
from k3stui.install.hostinfo import CommandFailed
from k3stui.render.explain import node_subnets

WAIT_TIMEOUT = "120s"  # each rollout wait of the probe and the connectivity test
MAX_PAIRS = 20  # pod -> pod probes across nodes


@dataclass
class Request:
    plan: p.Plan
    k3s_version: str | None = None
    node: bool = False  # this node (--node)
    cluster: bool = True
    all_nodes: bool = False  # node checks on every node through the probe DaemonSet
    connectivity: bool = False
    node_name: str | None = None
    root: str = "/"
    kubectl: Kubectl = field(default_factory=Kubectl)
    image: str = manifests.DEFAULT_IMAGE
    keep: bool = False
    netns: str | None = None  # read this network namespace instead of the host's (tests)
    peers_from_api: bool = False  # --node: read the peers' real podCIDRs when a kubeconfig is at hand
    node_ips: dict[str, tuple[str, ...]] = field(default_factory=dict)  # per-node node-ip (inventory)


@dataclass
class Report:
    results: list[Result]
    notes: list[str]


def run_once(req: Request) -> Report:
    notes: list[str] = []
    plan = _with_node_ips(req.plan, req.node_ips)
    wanted = req.cluster or req.all_nodes or req.connectivity
    cluster = collect(req.kubectl, plan) if wanted or (req.node and req.peers_from_api) else None
    if cluster is not None and cluster.nodes is None and not wanted:
        notes.append(
            f"no API for the peers' podCIDRs ({cluster.errors.get('nodes', '?')}): predicted from the plan"
        )
        cluster = None
    if cluster is not None and cluster.nodes is None:
        notes.append(f"cluster not reachable: {cluster.errors.get('nodes', '?')}")
        cluster = None  # no cluster check can say anything; the caller reports it
    results: list[Result] = []
    ctx = DoctorContext(plan, req.k3s_version, cluster=cluster if req.cluster else None)
    if req.node:
        ctx = replace(ctx, node=local_node(req, plan, cluster, notes))
    if req.connectivity and cluster is not None:
        ctx = replace(ctx, connectivity=run_connectivity(req, plan, cluster, notes))
    results += checks.run(ctx)
    if req.all_nodes and cluster is not None:
        for obs in probe_nodes(req, plan, cluster, notes):
            results += checks.run(DoctorContext(plan, req.k3s_version, node=obs))
    return Report(results, notes)


def run_until_green(
    req: Request,
    timeout: float | None,
    *,
    interval: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Report:
    """`--wait`: poll until something was checked and nothing failed, at most `timeout` seconds
    (None: once)."""
    deadline = None if timeout is None else clock() + timeout
    while True:
        report = run_once(req)
        if (report.results and is_green(report.results)) or deadline is None or clock() >= deadline:
            return report
        sleep(max(0.0, min(interval, deadline - clock())))


def _with_node_ips(plan: p.Plan, node_ips: dict[str, tuple[str, ...]]) -> p.Plan:
    """Per-node node-ip from an inventory replaces the node's address where the plan has no own field."""
    if not node_ips or not plan.nodes:
        return plan
    nodes = tuple(replace(n, address=node_ips[n.name][0]) if n.name in node_ips else n for n in plan.nodes)
    return replace(plan, nodes=nodes)


# --- this node ------------------------------------------------------------------------------


def local_node(
    req: Request, plan: p.Plan, cluster: ClusterObservation | None, notes: list[str]
) -> NodeObservation:
    prefix = ("ip", "netns", "exec", req.netns) if req.netns else ()
    src = NodeSource(lambda argv: run_command(argv, timeout=20), Path(req.root), prefix)
    probe = read_node(src, plan, ())
    name, ips = identify(plan, probe.addresses, req.node_name, probe.routes)
    facts = read_node(src, plan, ips) if ips else probe
    notes += facts.notes
    return _observation(plan, name, ips, facts, cluster)


def _observation(
    plan: p.Plan, name: str, ips: tuple[str, ...], facts: NodeFacts, cluster: ClusterObservation | None
) -> NodeObservation:
    from k3stui.doctor.cluster_checks import internal_ips, pod_cidrs

    if cluster is not None and cluster.nodes:
        own: tuple[str, ...] = ()
        peers = []
        for node in cluster.nodes:
            node_name = str(node["metadata"]["name"])
            addrs = internal_ips(node)
            if node_name == name or set(addrs) & set(ips):
                own = pod_cidrs(node)
                name = name or node_name
            else:
                peers.append(Peer(node_name, addrs, pod_cidrs(node)))
        return NodeObservation(name, ips, own, tuple(peers), facts, "api", data_dir(plan))
    predicted = node_subnets(plan)
    own = next((tuple(s for s in n.subnets if s) for n in predicted if n.node == name), ())
    if not own and not plan.nodes:  # a single node: the first block of each cluster CIDR
        own = tuple(
            str(next(net.subnets(new_prefix=p.node_mask(plan, net.version))))
            for net in p.networks(p.effective_cluster_cidr(plan))
        )
    peers = tuple(
        Peer(n.node, (n.address,), tuple(s for s in n.subnets if s)) for n in predicted if n.node != name
    )
    return NodeObservation(name, ips, own, peers, facts, "plan", data_dir(plan))


# --- every node, through the probe DaemonSet ------------------------------------------------------


def _apply(k: Kubectl, objects: list[Json]) -> None:
    k.run("apply", "-f", "-", stdin=manifests.dump(objects), timeout=120)


def _pods(k: Kubectl, app: str) -> list[Json]:
    items = k.items("-n", manifests.NAMESPACE, "pods", "-l", f"app={app}")
    return [i for i in items if (i.get("status") or {}).get("phase") == "Running"]


def _cleanup(req: Request, notes: list[str]) -> None:
    if req.keep:
        notes.append(
            f"kept namespace {manifests.NAMESPACE} (--keep); delete it with "
            f"'kubectl delete namespace {manifests.NAMESPACE}'"
        )
        return
    try:
        req.kubectl.run("delete", "namespace", manifests.NAMESPACE, "--wait=false", "--ignore-not-found")
    except CommandFailed as exc:
        notes.append(f"could not delete namespace {manifests.NAMESPACE}: {exc}")


def probe_nodes(
    req: Request, plan: p.Plan, cluster: ClusterObservation, notes: list[str]
) -> list[NodeObservation]:
    k = req.kubectl
    try:
        _apply(k, [manifests.namespace(), manifests.probe_daemonset(plan, req.image)])
        k.run(
            "-n",
            manifests.NAMESPACE,
            "rollout",
            "status",
            "daemonset/probe",
            f"--timeout={WAIT_TIMEOUT}",
            timeout=180,
        )
        pods = _pods(k, "probe")
    except CommandFailed as exc:
        notes.append(f"probe DaemonSet: {exc}")
        _cleanup(req, notes)
        return []
    out = []
    for pod in pods:
        pod_name, node_name = pod["metadata"]["name"], (pod.get("spec") or {}).get("nodeName", "")

        def exec_in(argv: Sequence[str], pod_name: str = pod_name) -> str:
            return k.run("-n", manifests.NAMESPACE, "exec", pod_name, "--", *argv, timeout=30)

        src = NodeSource(exec_in, files_by_run=True, file_prefix=manifests.HOST_MOUNT)
        plan_node = next((n for n in plan.nodes if n.name == node_name), None)
        ips = (plan_node.address,) if plan_node else _node_ips(cluster, node_name)
        facts = read_node(src, plan, ips)
        notes += [f"{node_name}: {n}" for n in facts.notes]
        out.append(_observation(plan, node_name, ips, facts, cluster))
    _cleanup(req, notes)
    return out


def _node_ips(cluster: ClusterObservation, name: str) -> tuple[str, ...]:
    from k3stui.doctor.cluster_checks import internal_ips

    return next((internal_ips(n) for n in cluster.nodes or () if n["metadata"]["name"] == name), ())


# --- the connectivity test -------------------------------------------------------------------------


def schedulable(cluster: ClusterObservation) -> tuple[str, ...]:
    """Nodes ordinary pods can land on: not cordoned, no NoSchedule/NoExecute taint."""
    out = []
    for node in cluster.nodes or ():
        spec = node.get("spec") or {}
        taints = [t for t in spec.get("taints") or [] if t.get("effect") in ("NoSchedule", "NoExecute")]
        if not spec.get("unschedulable") and not taints:
            out.append(str(node["metadata"]["name"]))
    return tuple(sorted(out))


def _url(host: str, port: int, path: str = "/") -> str:
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass
    return f"http://{host}:{port}{path}"


def run_connectivity(
    req: Request, plan: p.Plan, cluster: ClusterObservation, notes: list[str]
) -> ConnectivityObservation:
    k, ns = req.kubectl, manifests.NAMESPACE
    nodes = schedulable(cluster)
    port = manifests.node_port(plan)
    try:
        _apply(k, manifests.connectivity_objects(plan, req.image, len(nodes)))
        for what in ("deployment/echo", "daemonset/client"):
            k.run("-n", ns, "rollout", "status", what, f"--timeout={WAIT_TIMEOUT}", timeout=180)
        echo, clients = _pods(k, "echo"), _pods(k, "client")
        endpoints = k.get_json("-n", ns, "get", "endpoints", "echo")
        service = k.get_json("-n", ns, "get", "service", "echo")
    except CommandFailed as exc:
        _cleanup(req, notes)
        return ConnectivityObservation(None, nodes, (), port, error=str(exc))
    ep_nodes = tuple(
        sorted(
            {a.get("nodeName", "") for s in endpoints.get("subsets") or [] for a in s.get("addresses") or []}
        )
    )
    probes = _probes(req, plan, cluster, echo, clients, service, port)
    _cleanup(req, notes)
    return ConnectivityObservation(ep_nodes, nodes, tuple(probes), port)


def _wget(k: Kubectl, pod: str, url: str, *, count: bool = False) -> tuple[bool, str]:
    cmd = f"wget -q -T 5 -O - {url}" + (" | wc -c" if count else "")
    try:
        return True, k.run("-n", manifests.NAMESPACE, "exec", pod, "--", "sh", "-c", cmd, timeout=30).strip()
    except CommandFailed as exc:
        return False, str(exc)


def _probes(
    req: Request,
    plan: p.Plan,
    cluster: ClusterObservation,
    echo: list[Json],
    clients: list[Json],
    service: Json,
    port: int,
) -> list[ProbeResult]:
    k = req.kubectl
    out: list[ProbeResult] = []

    def node_of(pod: Json) -> str:
        return str((pod.get("spec") or {}).get("nodeName", ""))

    pairs = 0
    for client in clients:
        src, cname = node_of(client), client["metadata"]["name"]
        for target in sorted({node_of(e) for e in echo} - {src}):
            if pairs >= MAX_PAIRS:
                break
            pod = next(e for e in echo if node_of(e) == target)
            ip = (pod.get("status") or {}).get("podIP", "")
            ok, said = _wget(k, cname, _url(ip, manifests.ECHO_PORT))
            out.append(ProbeResult("pod-to-pod", src, f"{target} ({ip})", ok and said == target, said[:120]))
            ok, said = _wget(k, cname, _url(ip, manifests.ECHO_PORT, "/big"), count=True)
            out.append(
                ProbeResult(
                    "mtu",
                    src,
                    f"{target} ({ip})",
                    ok and said == str(manifests.BIG_BYTES),
                    f"{said} of {manifests.BIG_BYTES} bytes" if ok else said[:120],
                )
            )
            pairs += 1
        cluster_ip = (service.get("spec") or {}).get("clusterIP", "")
        ok, said = _wget(k, cname, _url(cluster_ip, 80))
        out.append(ProbeResult("clusterip", src, f"echo ({cluster_ip})", ok and bool(said), said[:120]))
        name = f"echo.{manifests.NAMESPACE}.svc.{p.effective_cluster_domain(plan)}"
        ok, said = _wget(k, cname, _url(name, 80))
        out.append(ProbeResult("dns", src, name, ok and bool(said), said[:120]))
    if clients:  # every node's NodePort, from the first client
        from k3stui.doctor.cluster_checks import internal_ips

        cname, src = clients[0]["metadata"]["name"], node_of(clients[0])
        for node in cluster.nodes or ():
            for ip in internal_ips(node)[:1]:
                ok, said = _wget(k, cname, _url(ip, port))
                out.append(
                    ProbeResult(
                        "nodeport",
                        src,
                        f"{node['metadata']['name']} ({ip}:{port})",
                        ok and bool(said),
                        said[:120],
                    )
                )
    return out
