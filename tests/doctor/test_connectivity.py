"""The connectivity test: its manifests (dumped by the project's dumper, valid for Kubernetes 1.34
with kubernetes-validate --strict), the run against a scripted kubectl, and every probe check
passing and failing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
import yaml

from k3stui.doctor import manifests
from k3stui.doctor.checks import run
from k3stui.doctor.connectivity import PROBES
from k3stui.doctor.kubectl import Kubectl
from k3stui.doctor.observations import ClusterObservation, ConnectivityObservation, DoctorContext, ProbeResult
from k3stui.doctor.session import Request, run_connectivity, schedulable
from k3stui.install.hostinfo import CommandFailed
from k3stui.plan import Node, Plan

PLAN = Plan(nodes=(Node("s1", "10.0.0.30", "server"), Node("a1", "10.0.0.31", "agent")))


@pytest.mark.parametrize(
    "plan",
    [
        PLAN,
        Plan(service_node_port_range="31000-32000"),
        Plan(cluster_cidr=("10.42.0.0/16", "fd00:42::/56"), service_cidr=("10.43.0.0/16", "fd00:43::/112")),
    ],
)
def test_manifests_validate_strictly(plan: Plan) -> None:
    kv = pytest.importorskip("kubernetes_validate", reason="kubernetes-validate is a test extra")
    objects = [
        *manifests.connectivity_objects(plan, manifests.DEFAULT_IMAGE, 3),
        manifests.probe_daemonset(plan, manifests.DEFAULT_IMAGE),
    ]
    docs = list(yaml.safe_load_all(manifests.dump(objects)))
    assert docs == objects  # the dumper round-trips: data, not a template
    for doc in docs:
        kv.validate(doc, "1.34.0", strict=True)


def test_node_port_follows_the_plan_range() -> None:
    assert manifests.node_port(Plan()) == 30080
    assert manifests.node_port(Plan(service_node_port_range="31000-32000")) == 31000
    svc = manifests.echo_service(Plan(service_node_port_range="31000-32000"))
    assert svc["spec"]["ports"][0]["nodePort"] == 31000


def test_echo_spread_and_probe_read_only() -> None:
    dep = manifests.echo_deployment("img", 12)
    assert dep["spec"]["replicas"] == 12
    spread = dep["spec"]["template"]["spec"]["topologySpreadConstraints"][0]
    assert spread["topologyKey"] == "kubernetes.io/hostname" and spread["maxSkew"] == 1
    assert manifests.connectivity_objects(PLAN, "img", 3)[1]["spec"]["replicas"] == 10
    probe = manifests.probe_daemonset(PLAN, "img")["spec"]["template"]["spec"]
    assert probe["hostNetwork"] and probe["tolerations"] == [{"operator": "Exists"}]
    assert all(m["readOnly"] for m in probe["containers"][0]["volumeMounts"])


def _node(name: str, ip: str, **spec: object) -> dict:
    return {
        "metadata": {"name": name},
        "spec": spec,
        "status": {"addresses": [{"type": "InternalIP", "address": ip}]},
    }


CLUSTER = ClusterObservation(
    nodes=(
        _node("s1", "10.0.0.30"),
        _node("a1", "10.0.0.31"),
        _node("tainted", "10.0.0.32", taints=[{"key": "x", "effect": "NoSchedule"}]),
    )
)


@dataclass
class ScriptedKubectl(Kubectl):
    """kubectl as a two-node cluster answers it; `broken` makes a2a traffic from s1 fail."""

    broken: set[str] = field(default_factory=set)
    applied: list[str] = field(default_factory=list)

    def run(self, *args: str, stdin: str | None = None, timeout: float = 60) -> str:
        self.calls.append(tuple(args))
        if args[0] == "apply":
            self.applied.append(stdin or "")
            return "created"
        if "rollout" in args or args[0] == "delete":
            return "ok"
        if "exec" in args:
            pod, cmd = args[args.index("exec") + 1], args[-1]
            if any(b in cmd for b in self.broken) and pod == "client-s1":
                raise CommandFailed("wget: download timed out")
            if "/big" in cmd:
                return f"{manifests.BIG_BYTES}\n"
            return "a1\n" if "10.42.1.5" in cmd else "s1\n"
        if args[-2:] == ("-o", "json"):
            return json.dumps(self._json(args))
        raise AssertionError(args)

    def _json(self, args: tuple[str, ...]) -> dict:
        def pod(name: str, node: str, ip: str) -> dict:
            return {
                "metadata": {"name": name},
                "spec": {"nodeName": node},
                "status": {"phase": "Running", "podIP": ip},
            }

        if "app=echo" in args:
            return {"items": [pod("echo-1", "s1", "10.42.0.5"), pod("echo-2", "a1", "10.42.1.5")]}
        if "app=client" in args:
            return {"items": [pod("client-s1", "s1", "10.42.0.6"), pod("client-a1", "a1", "10.42.1.6")]}
        if "endpoints" in args:
            return {"subsets": [{"addresses": [{"nodeName": "s1"}, {"nodeName": "a1"}]}]}
        if "service" in args:
            return {"spec": {"clusterIP": "10.43.12.34"}}
        raise AssertionError(args)


def test_run_probes_every_pair_service_dns_nodeport_and_cleans_up() -> None:
    k = ScriptedKubectl()
    notes: list[str] = []
    conn = run_connectivity(Request(plan=PLAN, kubectl=k), PLAN, CLUSTER, notes)
    assert conn.error is None and conn.endpoint_nodes == ("a1", "s1")
    assert conn.schedulable == ("a1", "s1")  # the tainted node gets no echo pod
    kinds = {(p.kind, p.source, p.target.split(" ")[0]) for p in conn.probes}
    assert ("pod-to-pod", "s1", "a1") in kinds and ("pod-to-pod", "a1", "s1") in kinds
    assert {p.kind for p in conn.probes} == set(PROBES)
    assert all(p.ok for p in conn.probes), conn.probes
    assert any("echo.k3stui-doctor.svc.cluster.local" in p.target for p in conn.probes)
    assert ("delete", "namespace", "k3stui-doctor", "--wait=false", "--ignore-not-found") in k.calls
    assert "kind: Namespace" in k.applied[0]
    results = run(DoctorContext(PLAN, connectivity=conn))
    assert results and {r.status for r in results} == {"PASS"}


def test_keep_leaves_the_namespace() -> None:
    k = ScriptedKubectl()
    notes: list[str] = []
    run_connectivity(Request(plan=PLAN, kubectl=k, keep=True), PLAN, CLUSTER, notes)
    assert not any(c[0] == "delete" for c in k.calls)
    assert any("--keep" in n for n in notes)


def test_a_lost_pod_to_pod_path_fails() -> None:
    k = ScriptedKubectl(broken={"10.42.1.5:8080"})
    conn = run_connectivity(Request(plan=PLAN, kubectl=k), PLAN, CLUSTER, [])
    failing = {(r.code, r.subject) for r in run(DoctorContext(PLAN, connectivity=conn)) if r.status == "FAIL"}
    assert ("DOC201", "pod-to-pod s1 -> a1 (10.42.1.5)") in failing
    assert ("DOC205", "mtu s1 -> a1 (10.42.1.5)") in failing


@pytest.mark.parametrize("kind", sorted(PROBES))
def test_each_probe_code_passes_and_fails(kind: str) -> None:
    code = PROBES[kind][0]
    for ok, status in ((True, "PASS"), (False, "FAIL")):
        conn = ConnectivityObservation(("s1",), ("s1",), (ProbeResult(kind, "s1", "a1", ok),))
        assert {r.status for r in run(DoctorContext(PLAN, connectivity=conn)) if r.code == code} == {status}


def test_endpoints_and_setup_failure() -> None:
    ok = ConnectivityObservation(("a1", "s1"), ("a1", "s1"))
    missing = ConnectivityObservation(("s1",), ("a1", "s1"))
    broken = ConnectivityObservation(None, ("a1", "s1"), error="deployment/echo: timed out waiting")
    assert {r.status for r in run(DoctorContext(PLAN, connectivity=ok))} == {"PASS"}
    assert [r.subject for r in run(DoctorContext(PLAN, connectivity=missing)) if r.status == "FAIL"] == [
        "echo endpoints on a1"
    ]
    assert [r.code for r in run(DoctorContext(PLAN, connectivity=broken))] == ["DOC209"]
    assert [r.status for r in run(DoctorContext(PLAN, connectivity=ok)) if r.code == "DOC209"] == ["PASS"]


def test_schedulable_skips_cordoned_and_tainted() -> None:
    cl = ClusterObservation(nodes=(_node("a", "1.1.1.1"), _node("b", "1.1.1.2", unschedulable=True)))
    assert schedulable(cl) == ("a",)
