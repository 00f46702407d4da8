"""Random plans never make validate() or apply_implications() raise."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from k3stui import plan as p
from k3stui.implications import apply_implications
from k3stui.rules import validate

_ADDRESSY = st.sampled_from(
    [
        "10.42.0.0/16",
        "10.43.0.0/16",
        "fd00:42::/56",
        "fd00:43::/112",
        "10.42.1.0/16",
        "0.0.0.0/0",
        "::/0",
        "10.43.0.10",
        "fd00:43::a",
        "192.168.1.0/24",
        "192.168.1.200",
        "1.2.3.4/33",
        "::1%eth0",
        "/24",
        "10.0.0.0/ 8",
        "10.0.0.0/255.0.0.0",
        "",
        " ",
        "١٢/8",
        "10.42.0.0/٢٤",
    ]
)
_TEXT = st.one_of(_ADDRESSY, st.text(max_size=24))
_INT = st.one_of(st.none(), st.integers(min_value=-(2**40), max_value=2**40))
_TEXTS = st.lists(_TEXT, max_size=3).map(tuple)


def _choice(values: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(values), st.text(max_size=12))


_macvlan = st.builds(
    p.MacvlanNetwork,
    name=_TEXT,
    master=_TEXT,
    subnet=_TEXT,
    range_start=st.one_of(st.none(), _TEXT),
    range_end=st.one_of(st.none(), _TEXT),
    gateway=st.one_of(st.none(), _TEXT),
    mode=_choice(p.MACVLAN_MODES),
    ipam=_choice(p.MACVLAN_IPAMS),
    namespace=_TEXT,
    mtu=_INT,
)
_flannel = st.builds(
    p.Flannel,
    backend=_choice((*p.FLANNEL_BACKENDS, "vxlan=a=b", "tailscale")),
    ipv6_masq=st.booleans(),
    external_ip=st.booleans(),
    iface=st.one_of(st.none(), _TEXT),
    direct_routing=st.booleans(),
    mtu=_INT,
    vni=_INT,
    port=_INT,
    conf=st.one_of(st.none(), _TEXT),
)
_calico = st.builds(
    p.Calico,
    encapsulation=_choice(p.CALICO_ENCAPSULATIONS),
    bgp=st.booleans(),
    container_ip_forwarding=st.booleans(),
    block_size_v4=st.integers(-5, 200),
    block_size_v6=st.integers(-5, 200),
    mtu=_INT,
    ip_pools=_TEXTS,
    linux_dataplane=_choice(("Iptables", "BPF")),
)
_cilium = st.builds(
    p.Cilium,
    kube_proxy_replacement=st.booleans(),
    k8s_service_host=_TEXT,
    k8s_service_port=st.integers(-5, 99999),
    routing_mode=_choice(("tunnel", "native")),
    ipam_mode=_choice(("cluster-pool", "kubernetes")),
    pool_cidrs=_TEXTS,
    mtu=_INT,
)
_cni = st.builds(
    p.Cni,
    kind=_choice(p.CNI_KINDS),
    calico=_calico,
    cilium=_cilium,
    multus=st.one_of(
        st.none(),
        st.builds(p.Multus, whereabouts=st.booleans(), networks=st.lists(_macvlan, max_size=2).map(tuple)),
    ),
)
_nodes = st.lists(
    st.builds(p.Node, name=_TEXT, address=_TEXT, role=st.sampled_from(["server", "agent"])), max_size=3
).map(tuple)
_plans = st.builds(
    p.Plan,
    role=_choice(("server", "agent")),
    k3s_version=st.one_of(
        st.none(),
        st.sampled_from(["v1.21.14+k3s1", "v1.22.8+k3s1", "v1.27.0+k3s1", "x"]),
        st.text(max_size=10),
    ),
    server=st.one_of(
        st.none(), _TEXT, st.sampled_from(["https://10.0.0.30:6443", "https://[::1]:99999", "http://x"])
    ),
    token=st.one_of(st.none(), st.builds(p.Secret, st.text(max_size=8))),
    token_file=st.one_of(st.none(), _TEXT),
    cluster_cidr=_TEXTS,
    service_cidr=_TEXTS,
    cluster_dns=_TEXTS,
    cluster_domain=st.one_of(st.none(), _TEXT),
    service_node_port_range=st.one_of(
        st.none(), _TEXT, st.sampled_from(["1-2", "0-70000", "30000+10", "80"])
    ),
    node_cidr_mask_size=_INT,
    node_cidr_mask_size_ipv4=_INT,
    node_cidr_mask_size_ipv6=_INT,
    flannel=_flannel,
    cni=_cni,
    disable_network_policy=st.booleans(),
    disable_kube_proxy=st.booleans(),
    node_ip=_TEXTS,
    node_external_ip=_TEXTS,
    egress_selector_mode=st.one_of(st.none(), _choice(p.EGRESS_SELECTOR_MODES)),
    accept_ra=_INT,
    nodes=_nodes,
    extra=st.dictionaries(
        st.sampled_from(["no-flannel", "disable", "https-listen-port", "cluster-init", "x"]),
        st.one_of(st.booleans(), _TEXT, st.integers(), st.lists(_TEXT, max_size=2)),
        max_size=3,
    ),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=_plans, other=_plans)
def test_random_plans_never_raise(plan: p.Plan, other: p.Plan) -> None:
    found = validate(plan, servers=(other,))
    assert all(f.code and f.message for f in found)
    implied, _ = apply_implications(plan)
    validate(implied)
