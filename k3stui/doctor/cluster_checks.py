"""Doctor checks of the cluster as the API shows it: pure functions of (plan, ClusterObservation),
the objects `kubectl get ... -o json` returned. Codes DOC1xx.

Sources: k3s-network.md §1 (node-ip, CIDRs, masks, cluster-dns), §4 (flannel annotations), §7
(helm-controller HelmChart status and its helm-install Job), cni-charts.md (the CNIs' workloads
and pools).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from k3stui import plan as p
from k3stui.doctor.observations import ClusterObservation, DoctorContext, Json
from k3stui.doctor.results import Result, check, failed, skipped
from k3stui.rules.registry import CHARTS, NET, E, W, host_check

FLANNEL_ANNOTATION = "flannel.alpha.coreos.com/"


def _cluster(ctx: DoctorContext) -> ClusterObservation | None:
    return ctx.cluster


def _name(obj: Json) -> str:
    return str((obj.get("metadata") or {}).get("name", "?"))


def _ns(obj: Json) -> str:
    return str((obj.get("metadata") or {}).get("namespace", ""))


def planned_ips(plan: p.Plan, node: p.Node) -> tuple[str, ...]:
    """A plan node's node IP(s): its own node-ip when the plan has one per node, else its address."""
    own = getattr(node, "node_ip", None)
    if own:
        return tuple(own) if not isinstance(own, str) else (own,)
    return (node.address,)


def _planned_nodes(plan: p.Plan, items: tuple[Json, ...]) -> list[tuple[str, tuple[str, ...]]]:
    """(node name, planned IPs) to check: the plan's nodes, or every registered node when the
    plan lists none (a single-node plan's node-ip then applies to the only node)."""
    if plan.nodes:
        return [(n.name, planned_ips(plan, n)) for n in plan.nodes]
    ips = plan.node_ip if len(items) == 1 else ()
    return [(_name(i), tuple(ips)) for i in items]


def _missing(ctx: DoctorContext, code: str, subject: str, what: str) -> Iterator[Result]:
    cl = ctx.cluster
    why = (cl.errors.get(what) if cl else None) or "not read"
    yield skipped(code, subject, f"could not read {what}: {why}")


def same_per_family(seen: Sequence[str], planned: Sequence[str]) -> bool:
    """Each planned address is the one seen for its IP family (a plan may name only the IPv4 one of
    a dual-stack node); nothing seen at all is never the same."""

    def family(a: str) -> int:
        return 6 if ":" in a else 4

    by_family = {family(a): a for a in seen}
    return bool(seen) and all(by_family.get(family(a)) == a for a in planned)


def internal_ips(node: Json) -> tuple[str, ...]:
    return tuple(
        a.get("address", "")
        for a in (node.get("status") or {}).get("addresses", [])
        if a.get("type") == "InternalIP"
    )


def is_ready(node: Json) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (node.get("status") or {}).get("conditions", [])
    )


def pod_cidrs(node: Json) -> tuple[str, ...]:
    spec = node.get("spec") or {}
    return tuple(spec.get("podCIDRs") or ([spec["podCIDR"]] if spec.get("podCIDR") else []))


@host_check(
    E(
        "DOC100",
        "nodes",
        "every plan node registered and Ready",
        NET,
        stage="doctor",
        doc="Every node of the plan must be a Node object of the cluster with condition Ready=True. "
        "A missing node never joined (token, server URL, firewall on 6443); NotReady usually means "
        "its CNI is not up. Fix: 'journalctl -u k3s-agent' on that node; 'kubectl describe node'.",
    )
)
def check_nodes_ready(ctx: DoctorContext) -> Iterator[Result]:
    cl = _cluster(ctx)
    if cl is None:
        return
    if cl.nodes is None:
        yield from _missing(ctx, "DOC100", "nodes", "nodes")
        return
    by_name = {_name(n): n for n in cl.nodes}
    for name, _ in _planned_nodes(ctx.plan, cl.nodes):
        node = by_name.get(name)
        if node is None:
            yield failed(
                "DOC100",
                f"node {name}",
                "not registered",
                "registered, Ready",
                "install K3s on it with the plan's server URL and token; check port 6443 is open",
            )
            continue
        reason = next(
            (
                c.get("reason", "")
                for c in (node.get("status") or {}).get("conditions", [])
                if c.get("type") == "Ready"
            ),
            "",
        )
        yield check(
            is_ready(node),
            "DOC100",
            f"node {name}",
            "Ready" if is_ready(node) else f"NotReady ({reason or 'no Ready condition'})",
            "Ready",
            f"kubectl describe node {name}; on the node: journalctl -u k3s (or k3s-agent)",
        )


@host_check(
    E(
        "DOC101",
        "node-ip",
        "InternalIP = the plan's address",
        NET,
        stage="doctor",
        doc="Each node's InternalIP(s) must be the address the plan gives it: K3s picks the default "
        "route's interface when node-ip is not set, often the wrong one on multi-NIC hosts, and "
        "flannel then tunnels to the wrong address. Fix: set node-ip (and flannel-iface) for that node.",
    )
)
def check_internal_ip(ctx: DoctorContext) -> Iterator[Result]:
    cl = _cluster(ctx)
    if cl is None or cl.nodes is None:
        return
    by_name = {_name(n): n for n in cl.nodes}
    for name, ips in _planned_nodes(ctx.plan, cl.nodes):
        node = by_name.get(name)
        if node is None or not ips:
            continue
        seen = internal_ips(node)
        yield check(
            same_per_family(seen, ips),
            "DOC101",
            f"node {name} InternalIP",
            ", ".join(seen) or "none",
            ", ".join(ips),
            f"set node-ip: {', '.join(ips)} on {name} and restart K3s there",
        )


@host_check(
    E(
        "DOC102",
        "cluster-cidr",
        "podCIDRs inside cluster-cidr, the plan's mask, one per family",
        NET,
        stage="doctor",
        doc="kube-controller-manager gives every node one pod subnet per cluster CIDR, with the "
        "plan's node-cidr-mask-size. A podCIDR outside cluster-cidr means the cluster was "
        "started with other CIDRs (they cannot change after the first start); a missing family "
        "means dual-stack was added later. Fix: reinstall with the planned CIDRs.",
    )
)
def check_pod_cidrs(ctx: DoctorContext) -> Iterator[Result]:
    cl = _cluster(ctx)
    if cl is None or cl.nodes is None:
        return
    cluster = p.networks(p.effective_cluster_cidr(ctx.plan))
    want = ", ".join(f"/{p.node_mask(ctx.plan, n.version)} in {n}" for n in cluster)
    for node in cl.nodes:
        got = pod_cidrs(node)
        nets = [p.parse_network(c) for c in got]
        problems = []
        for c, net in zip(got, nets, strict=True):
            home = next((n for n in cluster if net is not None and n.version == net.version), None)
            if net is None or home is None or not net.subnet_of(home):  # type: ignore[arg-type]
                problems.append(f"{c} outside cluster-cidr")
            elif net.prefixlen != p.node_mask(ctx.plan, net.version):
                problems.append(f"{c} has mask /{net.prefixlen}")
        families = sorted({n.version for n in nets if n is not None})
        if families != sorted({n.version for n in cluster}):
            problems.append("families " + ("+".join(f"IPv{f}" for f in families) or "none"))
        yield check(
            not problems,
            "DOC102",
            f"node {_name(node)} podCIDRs",
            "; ".join(problems) or ", ".join(got),
            want,
            "the cluster runs with other CIDRs than planned: they are fixed at the first "
            "start, so reinstall the servers with the plan (or plan what the cluster has)",
        )


@host_check(
    E(
        "DOC103",
        "flannel-backend",
        "flannel's backend-type and public-ip annotations",
        NET,
        stage="doctor",
        doc="flannel annotates each Node with its backend-type and public-ip (public-ipv6): the "
        "address peers tunnel or route to. Another backend means nodes disagree; another public "
        "IP (not the node IP, or its external IP with flannel-external-ip) sends peer traffic to "
        "the wrong interface. Fix: the same flannel-backend everywhere; node-ip / flannel-iface "
        "on that node.",
    )
)
def check_flannel_annotations(ctx: DoctorContext) -> Iterator[Result]:
    from k3stui.render.netconf import backend_object

    cl = _cluster(ctx)
    if cl is None or cl.nodes is None or not p.uses_flannel(ctx.plan):
        return
    want_type = str(backend_object(ctx.plan)["Type"])
    planned = dict(_planned_nodes(ctx.plan, cl.nodes))
    for node in cl.nodes:
        ann = (node.get("metadata") or {}).get("annotations") or {}
        btype = ann.get(FLANNEL_ANNOTATION + "backend-type")
        ips = [ann.get(FLANNEL_ANNOTATION + k) for k in ("public-ip", "public-ipv6")]
        ips = [i for i in ips if i]
        want_ips = planned.get(_name(node)) or internal_ips(node)
        if ctx.plan.flannel.external_ip:
            external = [
                a.get("address")
                for a in (node.get("status") or {}).get("addresses", [])
                if a.get("type") == "ExternalIP"
            ]
            want_ips = tuple(a for a in external if a) or want_ips
        ok = btype == want_type and same_per_family(ips, want_ips)
        yield check(
            ok,
            "DOC103",
            f"node {_name(node)} flannel",
            f"backend {btype}, public-ip {', '.join(ips) or '-'}",
            f"backend {want_type}, public-ip {', '.join(want_ips)}",
            "give every node the same flannel-backend; set node-ip (and flannel-iface) on this node",
        )


@host_check(
    E(
        "DOC110",
        "cluster-dns",
        "the kube-dns Service's clusterIPs = cluster-dns",
        NET,
        stage="doctor",
        doc="Pods are told to use cluster-dns as their resolver; the kube-dns Service must own exactly "
        "those addresses. K3s does not validate cluster-dns against service-cidr, so a mistake only "
        "shows here (DNS broken in every pod). Fix: cluster-dns inside service-cidr, restart the servers.",
    )
)
def check_kube_dns(ctx: DoctorContext) -> Iterator[Result]:
    cl = _cluster(ctx)
    if cl is None:
        return
    want = list(p.effective_cluster_dns(ctx.plan))
    if cl.kube_dns is None:
        yield failed(
            "DOC110",
            "kube-system/kube-dns",
            cl.errors.get("kube-dns", "missing"),
            ", ".join(want),
            "CoreDNS is not deployed: is 'coredns' in --disable? see 'kubectl -n kube-system get deploy'",
        )
        return
    spec = cl.kube_dns.get("spec") or {}
    seen = list(spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else []))
    yield check(
        seen == want,
        "DOC110",
        "kube-system/kube-dns",
        ", ".join(seen) or "none",
        ", ".join(want),
        "set cluster-dns to the plan's value on every server and restart them; if it is outside "
        "service-cidr, fix the plan first",
    )


def _condition(obj: Json, kind: str) -> dict[str, Any] | None:
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == kind), None)


@host_check(
    E(
        "DOC120",
        "cni",
        "HelmCharts not failed, their helm-install Jobs done",
        NET,
        stage="doctor",
        doc="helm-controller installs each HelmChart (k3stui's k3s-cni.yaml and the charts it "
        "creates) through a helm-install-<name> Job in the chart's namespace. A Failed condition, "
        "a failed Job or one still running means the CNI is not (fully) installed. Fix: "
        "'kubectl -n kube-system logs job/helm-install-<name>'.",
    )
)
def check_helmcharts(ctx: DoctorContext) -> Iterator[Result]:
    from k3stui.chart import CHART_NAME
    from k3stui.render.chart_values import chart_needed

    cl = _cluster(ctx)
    if cl is None:
        return
    if cl.helmcharts is None:
        yield from _missing(ctx, "DOC120", "helmcharts", "helmcharts")
        return
    names = {_name(h) for h in cl.helmcharts}
    if chart_needed(ctx.plan) and CHART_NAME not in names:
        yield failed(
            "DOC120",
            f"kube-system/{CHART_NAME}",
            "no such HelmChart",
            "installed",
            "copy the rendered k3s-cni.yaml to /var/lib/rancher/k3s/server/manifests on a server",
        )
    jobs = {(_ns(j), _name(j)): j for j in cl.jobs or ()}
    for chart in cl.helmcharts:
        subject = f"helmchart {_ns(chart)}/{_name(chart)}"
        failed_cond = _condition(chart, "Failed")
        job_name = (chart.get("status") or {}).get("jobName") or f"helm-install-{_name(chart)}"
        job = jobs.get((_ns(chart), job_name))
        fix = f"kubectl -n {_ns(chart)} logs job/{job_name}"
        if failed_cond and failed_cond.get("status") == "True":
            yield failed(
                "DOC120",
                subject,
                f"Failed: {failed_cond.get('message') or failed_cond.get('reason', '')}",
                "installed",
                fix,
            )
        elif job is None:
            yield failed("DOC120", subject, f"no Job {job_name}", "Job done", fix)
        elif (job.get("status") or {}).get("succeeded"):
            yield check(True, "DOC120", subject, f"Job {job_name} done", "Job done", fix)
        else:
            jf = _condition(job, "Failed")
            state = "failed" if jf and jf.get("status") == "True" else "still running"
            yield failed("DOC120", subject, f"Job {job_name} {state}", "Job done", fix)


def cni_workloads(plan: p.Plan, kind: str, obj: Json) -> bool:
    """Is this DaemonSet/Deployment part of the planned pod network (CNI, Multus, CoreDNS)?"""
    ns, name = _ns(obj), _name(obj)
    if ns == "kube-system" and name == "coredns":
        return True
    cni = plan.cni.kind
    if cni == "calico" and ns in ("calico-system", "tigera-operator"):
        return True
    if cni == "cilium" and name.startswith(("cilium", "hubble")):
        return True
    return plan.cni.multus is not None and ("multus" in name or "whereabouts" in name)


def _ready(kind: str, obj: Json) -> tuple[bool, str]:
    st = obj.get("status") or {}
    if kind == "daemonset":
        want, ready = int(st.get("desiredNumberScheduled") or 0), int(st.get("numberReady") or 0)
        return want > 0 and ready == want, f"{ready}/{want} ready"
    want = int((obj.get("spec") or {}).get("replicas", 1) or 0)
    ready = int(st.get("readyReplicas") or 0)
    return ready >= want, f"{ready}/{want} ready"


@host_check(
    E(
        "DOC121",
        "cni",
        "the CNI's DaemonSets and Deployments ready",
        CHARTS,
        stage="doctor",
        doc="The pod network's workloads (calico-node, calico-kube-controllers, typha; cilium, "
        "cilium-operator; Multus; CoreDNS) must have every pod ready. Fix: 'kubectl -n <ns> "
        "describe pod' of a pod that is not ready; its log usually names the missing piece.",
    )
)
def check_workloads(ctx: DoctorContext) -> Iterator[Result]:
    cl = _cluster(ctx)
    if cl is None:
        return
    if cl.daemonsets is None or cl.deployments is None:
        yield from _missing(ctx, "DOC121", "workloads", "daemonsets")
        return
    found = 0
    for kind, items in (("daemonset", cl.daemonsets), ("deployment", cl.deployments)):
        for obj in items:
            if not cni_workloads(ctx.plan, kind, obj):
                continue
            found += 1
            ok, observed = _ready(kind, obj)
            yield check(
                ok,
                "DOC121",
                f"{kind} {_ns(obj)}/{_name(obj)}",
                observed,
                "all ready",
                f"kubectl -n {_ns(obj)} describe {kind} {_name(obj)}; look at its pods' events and logs",
            )
    if ctx.plan.cni.kind in ("calico", "cilium") and found <= 1:
        yield failed(
            "DOC121",
            f"{ctx.plan.cni.kind} workloads",
            "none found",
            "DaemonSet and Deployment ready",
            "the CNI chart did not install: see the HelmChart results (DOC120)",
        )


@host_check(
    E(
        "DOC122",
        "cluster-cidr",
        "the CNI's pool = cluster-cidr",
        CHARTS,
        stage="doctor",
        doc="Calico's IPPools (cidr) and Cilium's cluster-pool (cilium-config cluster-pool-ipv4-cidr "
        "/ -ipv6-cidr) must be the cluster CIDR: pods get addresses from the pool, while K3s, "
        "kube-proxy and network policy assume cluster-cidr. Fix: the chart values k3stui renders "
        "follow cluster-cidr; reinstall the chart with them.",
    )
)
def check_pool(ctx: DoctorContext) -> Iterator[Result]:
    cl = _cluster(ctx)
    if cl is None or ctx.plan.cni.kind not in ("calico", "cilium"):
        return
    want = sorted(str(n) for n in p.networks(p.effective_cluster_cidr(ctx.plan)))
    if ctx.plan.cni.kind == "calico":
        if cl.calico_pools is None:
            yield from _missing(ctx, "DOC122", "calico ippools", "ippools")
            return
        seen = sorted(
            str(n)
            for n in p.networks(tuple(str((i.get("spec") or {}).get("cidr", "")) for i in cl.calico_pools))
        )
        subject = "calico ippools"
    else:
        if ctx.plan.cni.cilium.ipam_mode != "cluster-pool":
            return
        if cl.cilium_config is None:
            yield from _missing(ctx, "DOC122", "cilium-config", "cilium-config")
            return
        data = cl.cilium_config.get("data") or {}
        texts = " ".join(str(data.get(k, "")) for k in ("cluster-pool-ipv4-cidr", "cluster-pool-ipv6-cidr"))
        seen = sorted(str(n) for n in p.networks(tuple(texts.split())))
        subject = "cilium cluster-pool"
    yield check(
        seen == want,
        "DOC122",
        subject,
        ", ".join(seen) or "none",
        ", ".join(want),
        "install the chart with the values k3stui renders (they follow cluster-cidr)",
    )


@host_check(
    W(
        "DOC130",
        "k3s-version",
        "the server's K3s version = the plan's",
        NET,
        stage="doctor",
        doc="The API server's version (kubectl version) must be the K3s release the plan was checked "
        "against; rules differ between releases. Fix: install that release (INSTALL_K3S_VERSION) "
        "or check the plan against the running one (--k3s-version).",
    )
)
def check_version(ctx: DoctorContext) -> Iterator[Result]:
    cl = _cluster(ctx)
    if cl is None:
        return
    want = ctx.k3s_version or ctx.plan.k3s_version
    if cl.server_version is None:
        yield from _missing(ctx, "DOC130", "server version", "version")
        return
    if not want:
        yield skipped("DOC130", "server version", f"{cl.server_version}; the plan names no K3s version")
        return
    yield check(
        cl.server_version.lstrip("v") == want.lstrip("v"),
        "DOC130",
        "server version",
        cl.server_version,
        want,
        f"upgrade with INSTALL_K3S_VERSION={want}, or 'k3stui check --k3s-version {cl.server_version}'",
    )
