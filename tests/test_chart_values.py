"""chart_values(plan): pure checks against the chart's values.schema.json and the reference facts.

SCENARIOS is shared with test_chart_helm.py (the real-Helm tests)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from k3stui import defaults
from k3stui.plan import Calico, Cilium, Cni, MacvlanNetwork, Multus, Node, Plan
from k3stui.render.chart_values import chart_needed, chart_values

REPO = Path(__file__).resolve().parents[1]
CHART = REPO / "charts" / "k3s-cni"
SCHEMA = json.loads((CHART / "values.schema.json").read_text())

_LAN = MacvlanNetwork(
    name="macvlan-lan", master="eth1", subnet="192.168.50.0/24", range_start="192.168.50.200",
    range_end="192.168.50.216", gateway="192.168.50.1",
)
_STORAGE = MacvlanNetwork(
    name="storage", master="eth2", subnet="10.10.0.0/24", ipam="whereabouts", namespace="storage", mtu=9000,
)
_THREE_NODES = (Node("s1", "192.168.1.10", "server"), Node("a1", "192.168.1.11"), Node("a2", "192.168.1.12"))

SCENARIOS: dict[str, Plan] = {
    "default-flannel": Plan(),
    "calico": Plan(cni=Cni(kind="calico"), disable_network_policy=True),
    "cilium-kpr": Plan(
        cni=Cni(kind="cilium", cilium=Cilium(kube_proxy_replacement=True)), disable_kube_proxy=True,
    ),
    "multus-macvlan-flannel": Plan(cni=Cni(kind="flannel", multus=Multus(networks=(_LAN, _STORAGE)))),
    "cilium-multus": Plan(
        cni=Cni(kind="cilium", multus=Multus(networks=(_LAN,))), nodes=_THREE_NODES,
    ),
    "calico-ipv6-only": Plan(
        cluster_cidr=("fd00:42::/56",), service_cidr=("fd00:43::/112",),
        cni=Cni(kind="calico", calico=Calico(encapsulation="VXLAN")),
    ),
    "cilium-dual-stack-native": Plan(
        cluster_cidr=("10.42.0.0/16", "fd00:42::/56"), service_cidr=("10.43.0.0/16", "fd00:43::/112"),
        cni=Cni(kind="cilium", cilium=Cilium(routing_mode="native", auto_direct_node_routes=True,
                                             encryption="wireguard")),
        nodes=_THREE_NODES,
    ),
    # issue 11's variations: IPv6-first families, eBPF without kube-proxy, whereabouts beside each
    # CNI, a custom data-dir, the Calico tutorial's range.
    "cilium-ipv6-only": Plan(
        cluster_cidr=("fd00:42::/56",), service_cidr=("fd00:43::/112",), node_ip=("2001:db8::10",),
        cni=Cni(kind="cilium"), disable_kube_proxy=True,
    ),
    "cilium-dual-stack-v6-first": Plan(
        cluster_cidr=("fd00:42::/56", "10.42.0.0/16"), service_cidr=("fd00:43::/112", "10.43.0.0/16"),
        cni=Cni(kind="cilium"), disable_kube_proxy=True, nodes=_THREE_NODES,
    ),
    "calico-dual-stack": Plan(
        cluster_cidr=("10.42.0.0/16", "fd00:42::/56"), service_cidr=("10.43.0.0/16", "fd00:43::/112"),
        cni=Cni(kind="calico"), disable_network_policy=True,
    ),
    "calico-ebpf-no-kube-proxy": Plan(
        cni=Cni(kind="calico", calico=Calico(linux_dataplane="BPF")), disable_kube_proxy=True,
        nodes=_THREE_NODES,
    ),
    "calico-tutorial-range": Plan(cluster_cidr=("192.168.200.0/24",), cni=Cni(kind="calico")),
    "cilium-multus-whereabouts": Plan(
        cni=Cni(kind="cilium", multus=Multus(whereabouts=True, networks=(_STORAGE,))), nodes=_THREE_NODES,
    ),
    "calico-multus-whereabouts": Plan(
        cni=Cni(kind="calico", multus=Multus(whereabouts=True, networks=(_STORAGE,))), nodes=_THREE_NODES,
    ),
    "multus-custom-data-dir": Plan(
        cni=Cni(kind="flannel", multus=Multus(networks=(_LAN, _STORAGE))), extra={"data-dir": "/srv/k3s"},
    ),
}


def preset_plans() -> dict[str, Plan]:
    """presets/*.yaml through k3stui.presets.load_preset_text."""
    from k3stui.presets import load_preset_text

    files = sorted((REPO / "presets").glob("*.yaml"))
    assert files, "no shipped presets found"
    out: dict[str, Plan] = {}
    for path in files:
        out[f"preset-{path.stem}"] = load_preset_text(path.read_text(encoding="utf-8"), str(path)).plan
    return out


ALL_PLANS = {**SCENARIOS, **preset_plans()}


def _nulls(data: object, path: str = "") -> list[str]:
    if data is None:
        return [path]
    if isinstance(data, dict):
        return [n for k, v in data.items() for n in _nulls(v, f"{path}.{k}")]
    if isinstance(data, list):
        return [n for i, v in enumerate(data) for n in _nulls(v, f"{path}[{i}]")]
    return []


@pytest.mark.parametrize("name", sorted(ALL_PLANS))
def test_values_validate_against_chart_schema(name: str) -> None:
    """As Helm checks them: coalesced with the chart's values.yaml, then the chart's schema."""
    import yaml

    from k3stui.chart import coalesce, validate_values

    values = chart_values(ALL_PLANS[name])
    merged = coalesce(yaml.safe_load((CHART / "values.yaml").read_text()), values)
    jsonschema.Draft7Validator(SCHEMA).validate(merged)
    validate_values(values)


@pytest.mark.parametrize("name", sorted(ALL_PLANS))
def test_values_hold_no_null_and_only_the_chosen_cni(name: str) -> None:
    """Helm v3 drops a null key while coalescing, v4 keeps it; and a Calico plan must not read as if
    Cilium were installed too."""
    plan = ALL_PLANS[name]
    values = chart_values(plan)
    assert _nulls(values) == []
    blocks = {k for k in values if k in ("cilium", "calico", "multus")}
    want = ({plan.cni.kind} & {"cilium", "calico"}) | ({"multus"} if plan.cni.multus else set())
    assert blocks == want


def test_schema_is_valid_draft7_and_chart_defaults_pass() -> None:
    import yaml

    jsonschema.Draft7Validator.check_schema(SCHEMA)
    jsonschema.Draft7Validator(SCHEMA).validate(yaml.safe_load((CHART / "values.yaml").read_text()))


def test_cilium_pools_follow_cluster_cidr_both_families() -> None:
    v = chart_values(SCENARIOS["cilium-dual-stack-native"])["cilium"]
    op = v["ipam"]["operator"]
    assert op["clusterPoolIPv4PodCIDRList"] == ["10.42.0.0/16"]
    assert op["clusterPoolIPv6PodCIDRList"] == ["fd00:42::/56"]
    assert (op["clusterPoolIPv4MaskSize"], op["clusterPoolIPv6MaskSize"]) == (24, 64)
    assert v["ipv4"] == {"enabled": True} and v["ipv6"] == {"enabled": True}
    assert v["operator"]["replicas"] == 2  # three nodes
    assert v["encryption"] == {"enabled": True, "type": "wireguard"}


def test_cilium_reaches_apiserver_without_kube_proxy_and_single_node_gets_one_operator() -> None:
    v = chart_values(SCENARIOS["cilium-kpr"])["cilium"]
    assert (v["k8sServiceHost"], v["k8sServicePort"]) == ("127.0.0.1", 6444)
    assert v["kubeProxyReplacement"] is True
    assert v["operator"]["replicas"] == 1
    assert v["cni"]["exclusive"] is True
    assert chart_values(SCENARIOS["cilium-multus"])["cilium"]["cni"]["exclusive"] is False


def test_calico_pools_per_family_and_k3s_settings() -> None:
    calico = chart_values(SCENARIOS["calico"])["calico"]
    inst = calico["installation"]
    assert "kubernetesProvider" not in inst  # the chart's default "" (no K3s provider) applies
    assert "kubernetesServiceEndpoint" not in calico  # kube-proxy serves the kubernetes Service
    assert inst["controlPlaneReplicas"] == 1
    net = inst["calicoNetwork"]
    assert net["containerIPForwarding"] == "Enabled" and net["bgp"] == "Disabled"
    assert net["ipPools"] == [{"cidr": "10.42.0.0/16", "encapsulation": "VXLAN", "natOutgoing": "Enabled",
                               "blockSize": 26, "nodeSelector": "all()"}]
    v6 = chart_values(SCENARIOS["calico-ipv6-only"])["calico"]["installation"]["calicoNetwork"]
    assert [(p["cidr"], p["blockSize"]) for p in v6["ipPools"]] == [("fd00:42::/56", 122)]
    # The chart sets autodetection per family that has a pool (test_chart_helm), never a null here.
    assert "nodeAddressAutodetectionV4" not in v6 and "nodeAddressAutodetectionV6" not in v6


@pytest.mark.parametrize(
    ("k3s", "flannel", "conf", "bin_"),
    [
        ("v1.31.2+k3s1", True, defaults.CNI_CONF_DIR_FLANNEL, defaults.CNI_BIN_DIR_FLANNEL),
        ("v1.31.1+k3s1", True, defaults.CNI_CONF_DIR_FLANNEL, defaults.CNI_BIN_DIR_FLANNEL_OLD),
        ("v1.28.15+k3s1", True, defaults.CNI_CONF_DIR_FLANNEL, defaults.CNI_BIN_DIR_FLANNEL),
        ("v1.31.2+k3s1", False, defaults.CNI_CONF_DIR_DEFAULT, defaults.CNI_BIN_DIR_DEFAULT),
    ],
)
def test_multus_cni_dirs_follow_flannel(k3s: str, flannel: bool, conf: str, bin_: str) -> None:
    plan = SCENARIOS["multus-macvlan-flannel"] if flannel else SCENARIOS["cilium-multus"]
    m = chart_values(plan, k3s_version=k3s)["multus"]
    assert (m["cniConfDir"], m["cniBinDir"]) == (conf, bin_)


def test_multus_networks_and_whereabouts() -> None:
    values = chart_values(SCENARIOS["multus-macvlan-flannel"])
    m = values["multus"]
    assert m["enabled"] and m["whereabouts"]  # one network uses whereabouts
    assert m["networks"][0] == {
        "name": "macvlan-lan", "namespace": "default", "master": "eth1", "mode": "bridge",
        "ipam": "host-local", "subnet": "192.168.50.0/24", "rangeStart": "192.168.50.200",
        "rangeEnd": "192.168.50.216", "gateway": "192.168.50.1",
    }
    # rke2-multus v4.3.017 moved whereabouts' CRDs to rke2-multus-crd, which must adopt the NAD CRD.
    assert values["helmController"]["takeOwnership"] is True


def test_create_namespace_follows_k3s_version() -> None:
    plan = SCENARIOS["calico"]
    assert chart_values(plan, k3s_version="v1.27.3+k3s1")["helmController"]["createNamespace"] is True
    assert chart_values(plan, k3s_version="v1.26.5+k3s1")["helmController"]["createNamespace"] is False


def test_chart_needed() -> None:
    assert not chart_needed(SCENARIOS["default-flannel"])
    assert chart_needed(SCENARIOS["multus-macvlan-flannel"]) and chart_needed(SCENARIOS["calico"])


@pytest.mark.parametrize(("version", "minimum", "expected"), [
    ("v4.3.017", "4.3.009", True), ("v4.3.008", "4.3.009", False), ("", "4.3.009", True),
    ("v3.32.1", "3.32.0", True), ("v3.31.9", "3.32.0", False), ("1.20.0", "1.20.0", True),
    ("not-a-version", "3.32.0", True),  # unreadable counts as newest, like the chart's atLeast
])
def test_chart_version_at_least_matches_the_charts_helper(version: str, minimum: str, expected: bool) -> None:
    from k3stui.render.chart_values import chart_version_at_least

    assert chart_version_at_least(version, minimum) is expected


def test_an_unparsable_k3s_version_gives_the_newest_releases_values() -> None:
    from dataclasses import replace

    plan = SCENARIOS[sorted(SCENARIOS)[0]]
    assert chart_values(replace(plan, k3s_version="v1.3x")) == chart_values(replace(plan, k3s_version=None))


def test_cilium_on_an_ipv6_first_cluster_uses_the_ipv6_loopback() -> None:
    """K3s binds its local API endpoint (apiserver, agent load balancer: 6444) on Loopback(), ::1
    when the primary service CIDR is IPv6; 127.0.0.1 would leave every Cilium agent without the API."""
    from k3stui.render.chart_values import values_notes

    for name in ("cilium-ipv6-only", "cilium-dual-stack-v6-first"):
        v = chart_values(SCENARIOS[name])["cilium"]
        assert (v["k8sServiceHost"], v["k8sServicePort"]) == ("::1", 6444), name
        assert any("::1" in n and "IPv6" in n for n in values_notes(SCENARIOS[name]))
    assert chart_values(SCENARIOS["cilium-dual-stack-native"])["cilium"]["k8sServiceHost"] == "127.0.0.1"
    assert values_notes(SCENARIOS["cilium-kpr"]) == []


def test_calico_ebpf_without_kube_proxy_gets_a_server_endpoint() -> None:
    calico = chart_values(SCENARIOS["calico-ebpf-no-kube-proxy"])["calico"]
    assert calico["kubernetesServiceEndpoint"] == {"host": "192.168.1.10", "port": "6443"}
    from dataclasses import replace

    vip = replace(SCENARIOS["calico-ebpf-no-kube-proxy"], server="https://k3s.example.net:6443", role="agent")
    assert chart_values(vip)["calico"]["kubernetesServiceEndpoint"] == {"host": "k3s.example.net",
                                                                        "port": "6443"}


def test_calico_follows_a_custom_cluster_cidr() -> None:
    calico = chart_values(SCENARIOS["calico-tutorial-range"])["calico"]
    pools = calico["installation"]["calicoNetwork"]["ipPools"]
    assert [p["cidr"] for p in pools] == ["192.168.200.0/24"]


def test_multus_dirs_follow_a_custom_data_dir() -> None:
    m = chart_values(SCENARIOS["multus-custom-data-dir"])["multus"]
    assert (m["cniConfDir"], m["cniBinDir"]) == ("/srv/k3s/agent/etc/cni/net.d", "/srv/k3s/data/cni")
