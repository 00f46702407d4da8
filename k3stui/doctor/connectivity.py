"""Doctor checks of the connectivity test (`doctor --connectivity`): pure functions of what the
probes returned. The manifests are in `manifests.py`, the run in `commands/doctor.py`. Codes DOC2xx.

The tutorial's last step made deterministic: an echo Deployment spread over every schedulable
node, a NodePort Service, a client DaemonSet; then each client reaches a pod on another node, the
ClusterIP, the Service's DNS name, every node's NodePort, and fetches a payload larger than any
MTU from another node.
"""

from __future__ import annotations

from collections.abc import Iterator

from k3stui.doctor.observations import ConnectivityObservation, DoctorContext
from k3stui.doctor.results import Result, check, failed, passed
from k3stui.rules.registry import NET, E, host_check

# probe kind -> (code, what it proves, fix)
PROBES: dict[str, tuple[str, str, str]] = {
    "pod-to-pod": (
        "DOC201",
        "a pod on another node answers",
        "pod traffic between these nodes is lost: run 'k3stui doctor --node' on both (routes, "
        "VXLAN device) and open the backend's port between them",
    ),
    "clusterip": (
        "DOC202",
        "the Service's ClusterIP answers",
        "kube-proxy (or the CNI's replacement) does not serve the Service: check its pods / logs",
    ),
    "dns": (
        "DOC203",
        "the Service's DNS name resolves and answers",
        "CoreDNS is not reachable from pods: check DOC110 (kube-dns IP) and the coredns pods",
    ),
    "nodeport": (
        "DOC204",
        "the NodePort answers on the node",
        "open the NodePort range between nodes (firewall); check kube-proxy on that node",
    ),
    "mtu": (
        "DOC205",
        "a large payload crosses nodes intact",
        "an MTU mismatch: small requests work, large ones stall. Set the pod MTU (Backend.MTU / the "
        "CNI's mtu) to the uplink MTU minus the encapsulation overhead",
    ),
}


def _conn(ctx: DoctorContext) -> ConnectivityObservation | None:
    return ctx.connectivity


@host_check(
    E(
        "DOC200",
        "nodes",
        "the echo Service has endpoints on every schedulable plan node",
        NET,
        stage="doctor",
        doc="The echo Deployment is spread over every schedulable node (topology spread); its "
        "Service must then list a ready endpoint on each. A node without one cannot run pods "
        "(CNI not ready there, a taint, no capacity). Fix: 'kubectl -n k3stui-doctor get pod -o "
        "wide' and describe the pending pod.",
    ),
    E(
        "DOC209",
        "nodes",
        "the connectivity test could run",
        NET,
        stage="doctor",
        doc="The namespace, Deployment, Service and DaemonSet must be created and become ready "
        "within --timeout. Fix: the message names the step; the image must be pullable or "
        "already imported (air-gapped: K3s's own busybox, see --image).",
    ),
)
def check_endpoints(ctx: DoctorContext) -> Iterator[Result]:
    conn = _conn(ctx)
    if conn is None:
        return
    if conn.error:
        yield failed(
            "DOC209",
            "connectivity test",
            conn.error,
            "all objects ready",
            "kubectl -n k3stui-doctor get all,events; re-run with --keep to look at the objects",
        )
        return
    yield passed(
        "DOC209", "connectivity test", f"objects ready, NodePort {conn.node_port}", "all objects ready"
    )
    got = set(conn.endpoint_nodes or ())
    for node in conn.schedulable:
        yield check(
            node in got,
            "DOC200",
            f"echo endpoints on {node}",
            "present" if node in got else "none",
            "one ready echo pod",
            f"kubectl -n k3stui-doctor get pod -o wide --field-selector "
            f"spec.nodeName={node}; describe the pod that is not ready",
        )


@host_check(
    *(
        E(
            code,
            "cni",
            title,
            NET,
            stage="doctor",
            doc=f"From each client pod: {title} ({kind} probe, busybox wget with a timeout). Fix: {fix}.",
        )
        for kind, (code, title, fix) in PROBES.items()
    )
)
def check_probes(ctx: DoctorContext) -> Iterator[Result]:
    conn = _conn(ctx)
    if conn is None or conn.error:
        return
    for probe in conn.probes:
        code, title, fix = PROBES[probe.kind]
        yield check(
            probe.ok,
            code,
            f"{probe.kind} {probe.source} -> {probe.target}",
            probe.detail or ("ok" if probe.ok else "failed"),
            title,
            fix,
        )
