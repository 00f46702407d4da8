"""The seed tutorial's scenarios validate cleanly; its mistakes are caught; version gates; implications."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rules_plans import AGENT, DUAL_CIDRS, LAN, SCENARIOS, SEED_VERSION, V6_CIDRS, calico, cilium, multus

from k3stui.findings import Severity, has_errors
from k3stui.implications import apply_implications
from k3stui.plan import Calico, Cilium, Cni, Flannel, Plan
from k3stui.rules import findings_for, validate


def _errors(plan: Plan, version: str | None = None, servers: tuple[Plan, ...] = ()) -> list[str]:
    return [
        f.code for f in validate(plan, k3s_version=version, servers=servers) if f.severity is Severity.ERROR
    ]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_seed_scenarios_have_no_errors(name: str) -> None:
    plan, version = SCENARIOS[name]
    found = validate(plan, k3s_version=version)
    assert not has_errors(found), [(f.code, f.message) for f in found]


# --- the tutorial's mistakes -------------------------------------------------------------------


def test_tutorial_wireguard_backend_on_new_k3s() -> None:
    found = validate(Plan(flannel=Flannel(backend="wireguard")))
    (f,) = [f for f in found if f.code == "FLANNEL005"]
    assert "wireguard-native" in f.hint


def test_tutorial_ipsec_on_new_k3s() -> None:
    assert "FLANNEL003" in _errors(Plan(flannel=Flannel(backend="ipsec")))


def test_tutorial_no_flannel_on_new_k3s() -> None:
    found = validate(Plan(extra={"no-flannel": True}, cni=Cni(kind="calico"), disable_network_policy=True))
    (f,) = [f for f in found if f.code == "FLANNEL011"]
    assert f.severity is Severity.ERROR and "flannel-backend: none" in f.hint
    # On the tutorial's own version no-flannel still works: deprecated only, and flannel counts as off.
    codes = _errors(
        Plan(extra={"no-flannel": True}, cni=Cni(kind="calico"), disable_network_policy=True), SEED_VERSION
    )
    assert codes == []


def test_tutorial_direct_routing_with_host_gw() -> None:
    assert "FLANNEL020" in _errors(Plan(flannel=Flannel(backend="host-gw", direct_routing=True)))


def test_tutorial_cluster_dns_outside_service_cidr() -> None:
    found = validate(Plan(service_cidr=("10.45.0.0/16",), cluster_dns=("10.43.0.10",)))
    (f,) = [f for f in found if f.code == "DNS002"]
    assert "10.43.0.10" in f.message and "10.45.0.10" in f.hint


def test_tutorial_calico_without_ip_forwarding() -> None:
    found = validate(calico(container_ip_forwarding=False), k3s_version=SEED_VERSION)
    (f,) = [f for f in found if f.code == "CNI011"]
    assert "Read-only file system" in f.message


def test_tutorial_agent_url_not_the_server_address() -> None:
    plan, _ = SCENARIOS["host-gw-agent"]
    found = validate(replace(plan, server="https://10.0.0.51:6443"), k3s_version=SEED_VERSION)
    assert [f.code for f in found] == ["AGENT004"]


def test_host_bits_hint_names_the_network() -> None:
    (f,) = [f for f in validate(Plan(cluster_cidr=("10.42.1.0/16",))) if f.code == "CIDR003"]
    assert "10.42.0.0/16" in f.message and "10.42.0.0/16" in f.hint


def test_overlap_hint_suggests_a_free_range() -> None:
    (f,) = [f for f in validate(Plan(service_cidr=("10.42.128.0/20",))) if f.code == "CIDR020"]
    assert "10.43.0.0/20" in f.hint


def test_ipv6_16_bit_rule_suggests_fix() -> None:
    plan = Plan(cluster_cidr=("fd00:42::/40",), service_cidr=V6_CIDRS["service_cidr"])
    (f,) = [f for f in validate(plan) if f.code == "CIDR052"]
    assert "/48" in f.hint and "too big" in f.message


def test_default_dns_on_tiny_service_cidr() -> None:
    (f,) = [f for f in validate(Plan(service_cidr=("10.43.0.0/29",))) if f.code == "DNS010"]
    assert "cluster-dns" in f.hint


def test_capacity_info_counts_nodes() -> None:
    (f,) = [f for f in validate(Plan(cluster_cidr=("10.42.0.0/20",))) if f.code == "CIDR050"]
    assert "16 nodes" in f.message


def test_server_only_keys_on_agent_each_reported() -> None:
    plan = replace(AGENT, cluster_cidr=("10.42.0.0/16",), flannel=Flannel(backend="host-gw"))
    keys = {f.key for f in validate(plan) if f.code == "AGENT010"}
    assert keys == {"cluster-cidr", "flannel-backend"}


def test_ha_mismatch_names_both_values() -> None:
    other = Plan(flannel=Flannel(backend="host-gw"), disable_network_policy=True, node_ip=("10.0.0.31",))
    found = [f for f in validate(Plan(), servers=(other,)) if f.code == "HA001"]
    assert {f.key for f in found} == {"flannel-backend", "disable-network-policy"}
    msg = next(f.message for f in found if f.key == "flannel-backend")
    assert "vxlan" in msg and "host-gw" in msg and "10.0.0.31" in msg


def test_ha_defaults_equal_explicit_defaults() -> None:
    explicit = Plan(
        cluster_cidr=("10.42.0.0/16",),
        service_cidr=("10.43.0.0/16",),
        cluster_dns=("10.43.0.10",),
        cluster_domain="cluster.local",
        egress_selector_mode="agent",
    )
    assert _errors(Plan(), servers=(explicit,)) == []


def test_findings_for_filters_by_key() -> None:
    found = validate(Plan(cluster_cidr=("bad",), cluster_dns=("nope",)))
    assert {f.code for f in findings_for(found, "cluster-dns")} == {"DNS001"}
    assert all(f.key == "cluster-cidr" for f in findings_for(found, "cluster-cidr"))


def test_multus_network_keys_are_indexed() -> None:
    plan = multus(LAN, replace(LAN, name="second", subnet="bad"))
    keys = {f.key for f in validate(plan) if f.code == "CNI033"}
    assert keys == {"cni.multus.networks[1].subnet"}


# --- version gates -----------------------------------------------------------------------------


def test_wireguard_native_on_seed_version_is_an_error() -> None:
    assert "FLANNEL006" in _errors(Plan(flannel=Flannel(backend="wireguard-native")), SEED_VERSION)


def test_ipsec_on_v1_27_is_an_error() -> None:
    assert "FLANNEL003" in _errors(Plan(flannel=Flannel(backend="ipsec")), "v1.27.0+k3s1")
    assert _errors(Plan(flannel=Flannel(backend="ipsec")), SEED_VERSION) == []


@pytest.mark.parametrize(("version", "error"), [("v1.22.8+k3s1", True), ("v1.22.9+k3s1", False)])
def test_ipv6_only_gate(version: str, error: bool) -> None:
    assert ("VER004" in _errors(Plan(**V6_CIDRS), version)) is error


def test_plan_version_used_and_argument_wins() -> None:
    plan = Plan(flannel=Flannel(backend="wireguard-native"), k3s_version=SEED_VERSION)
    assert "FLANNEL006" in _errors(plan)
    assert "FLANNEL006" not in _errors(plan, "v1.30.6+k3s1")


def test_bad_version_falls_back_to_newest() -> None:
    found = validate(Plan(flannel=Flannel(backend="ipsec")), k3s_version="latest")
    codes = [f.code for f in found]
    assert "VER001" in codes and "FLANNEL003" in codes
    assert next(f for f in found if f.code == "VER001").key == "k3s-version"


def test_a_patch_the_flag_history_did_not_read_is_a_warning() -> None:
    # flannel-cni-conf: the history read 1.22 up to v1.22.6 (absent); the unconfirmed gate names
    # v1.22.11 as the backport: v1.22.10 may lack it (warning), v1.22.5 does (error), v1.22.11 has it.
    plan = Plan(flannel=Flannel(cni_conf="/etc/cni/flannel.conflist"))

    def ver(version: str) -> list:
        return [f for f in validate(plan, k3s_version=version) if f.code.startswith("VER")]

    (f,) = ver("v1.22.10+k3s1")
    assert f.severity is Severity.WARNING and "may lack the flag" in f.message
    (f,) = ver("v1.22.5+k3s1")
    assert f.severity is Severity.ERROR
    assert "first appeared in v1.22.11+k3s1, v1.23.8+k3s1, v1.24.2+k3s1; this plan targets" in f.message
    assert ver("v1.22.11+k3s1") == []
    # egress-selector-mode: v1.22.x was read and lacks it: an error now, not the old unconfirmed warning
    (f,) = [f for f in validate(Plan(egress_selector_mode="agent"), k3s_version="v1.22.0+k3s1")
            if f.code.startswith("VER")]
    assert f.severity is Severity.ERROR and f.key == "egress-selector-mode"


# --- implications -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["calico", "cilium", "none"])
def test_custom_cni_implies_flannel_and_netpol_off(kind: str) -> None:
    plan, why = apply_implications(Plan(cni=Cni(kind=kind)))
    assert plan.flannel.backend == "none" and plan.disable_network_policy
    assert {i.key for i in why} >= {"flannel-backend", "disable-network-policy"}
    assert all(i.reason for i in why)
    assert not has_errors(validate(plan))


def test_cilium_kpr_implies_disable_kube_proxy() -> None:
    plan, why = apply_implications(Plan(cni=Cni(kind="cilium")))
    assert plan.disable_kube_proxy and "disable-kube-proxy" in {i.key for i in why}
    plan, _ = apply_implications(Plan(cni=Cni(kind="cilium", cilium=Cilium(kube_proxy_replacement=False))))
    assert not plan.disable_kube_proxy


def test_cilium_multus_notes_chart_value() -> None:
    base = multus(LAN)
    _, why = apply_implications(replace(base, cni=replace(base.cni, kind="cilium")))
    (note,) = [i for i in why if i.key == "cni.cilium.cni-exclusive"]
    assert note.value is False and "chart value" in note.reason


def test_flannel_none_implies_own_cni() -> None:
    plan, why = apply_implications(Plan(flannel=Flannel(backend="none")))
    assert plan.cni.kind == "none" and why[0].key == "cni.kind"


@pytest.mark.parametrize(
    "start",
    [
        Plan(),
        Plan(cni=Cni(kind="calico")),
        Plan(cni=Cni(kind="cilium")),
        Plan(flannel=Flannel(backend="none")),
        replace(calico(), **DUAL_CIDRS),
        cilium(),
        replace(AGENT, cni=Cni(kind="calico", calico=Calico())),
    ],
)
def test_implications_idempotent(start: Plan) -> None:
    once, _ = apply_implications(start)
    twice, why = apply_implications(once)
    assert twice == once
    assert all(i.key == "cni.cilium.cni-exclusive" for i in why)


def test_agent_plan_gets_no_server_flags() -> None:
    plan, why = apply_implications(replace(AGENT, cni=Cni(kind="calico")))
    assert plan.flannel.backend == "vxlan" and why == []
    assert not has_errors(validate(plan))
