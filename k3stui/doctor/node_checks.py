"""Doctor checks of one node (`doctor --node`, or every node through the probe DaemonSet): pure
functions of (plan, NodeObservation). Codes DOC0xx.

Sources: k3s-network.md §4 (net-conf.json, subnet.env, conflist, MTU overheads), §9 (sysctls,
modules), cni-charts.md "K3s CNI paths"; flannel pkg/backend/{hostgw,vxlan,wireguard}.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator

from k3stui import defaults
from k3stui import plan as p
from k3stui.doctor import expected as x
from k3stui.doctor.observations import DoctorContext, NodeObservation, Peer
from k3stui.doctor.results import Result, check, failed, skipped
from k3stui.render.explain import MTU_OVERHEAD, pod_mtu
from k3stui.rules.registry import NET, E, W, host_check

FLANNEL_SRC = "k3s-network.md §4; flannel pkg/backend"


def _node(ctx: DoctorContext) -> NodeObservation | None:
    return ctx.node


def _flannel_node(ctx: DoctorContext, backend: str | None = None) -> NodeObservation | None:
    """The node, when the plan runs flannel (with `backend`, when given); else None: not asked."""
    if ctx.node is None or not p.uses_flannel(ctx.plan):
        return None
    return ctx.node if backend is None or ctx.plan.flannel.backend == backend else None


def _peer_subnets(obs: NodeObservation) -> Iterator[tuple[Peer, str, p.Network, str]]:
    """(peer, podCIDR, its network, the peer's node IP of that family) for every reachable subnet."""
    for peer in obs.peers:
        for cidr in peer.pod_cidrs:
            net = p.parse_network(cidr)
            peer_ip = next((a for a in peer.addresses if net and x.version_of(a) == net.version), None)
            if net is not None and peer_ip is not None:
                yield peer, cidr, net, peer_ip


def _subject(obs: NodeObservation, what: str) -> str:
    return f"{obs.name} {what}" if obs.name else what


def uplink(ctx: DoctorContext, obs: NodeObservation) -> tuple[str | None, int | None]:
    """The interface holding the first node IP, and its MTU (None: not found)."""
    for ip in obs.node_ips:
        a = x.address_on(obs.facts.addresses or (), ip)
        if a is not None:
            link = (obs.facts.links or {}).get(a.ifname)
            return a.ifname, link.mtu if link else None
    return None, None


@host_check(
    E(
        "DOC001",
        "node-ip",
        "node-ip on an interface of this node (flannel-iface if set)",
        NET,
        stage="doctor",
        doc="Checks that this node's planned node-ip sits on one of its interfaces, "
        "and on the plan's flannel-iface when one is set: K3s and flannel send node traffic "
        "from it. Fix: correct node-ip / flannel-iface in the plan or the host's addressing.",
    )
)
def check_uplink(ctx: DoctorContext) -> Iterator[Result]:
    obs = _node(ctx)
    if obs is None:
        return
    subject = _subject(obs, "node-ip")
    if obs.facts.addresses is None:
        yield skipped("DOC001", subject, "could not read this node's addresses (ip -j addr)")
        return
    if ctx.plan.nodes and not obs.name:
        mine = ", ".join(
            a.address for a in obs.facts.addresses if not a.address.startswith(("127.", "::1", "fe80"))
        )
        yield failed(
            "DOC001",
            subject,
            f"this host ({mine or 'no address'}) is none of the plan's nodes",
            ", ".join(f"{n.name} {n.address}" for n in ctx.plan.nodes),
            "run it on a plan node, name it with --node-name, or correct the node's address in the plan",
        )
        return
    if not obs.node_ips:
        yield skipped("DOC001", subject, "the plan names no node IP for this node")
        return
    dev, mtu = uplink(ctx, obs)
    want = ctx.plan.flannel.iface
    observed = f"{obs.node_ips[0]} on {dev} (mtu {mtu})" if dev else f"{obs.node_ips[0]} on no interface"
    expected = f"{obs.node_ips[0]}" + (f" on {want}" if want else "")
    ok = dev is not None and (not want or dev == want)
    yield check(
        ok,
        "DOC001",
        subject,
        observed,
        expected,
        "give the interface the planned address, or fix node-ip / flannel-iface in the plan",
    )


@host_check(
    E(
        "DOC010",
        "flannel-conf",
        "net-conf.json equals the plan",
        FLANNEL_SRC,
        stage="doctor",
        doc="Reads the net-conf.json flannel runs with (<data-dir>/agent/etc/flannel/net-conf.json, "
        "or the plan's flannel-conf) and compares Network, IPv6Network, EnableIPv6 and Backend "
        "(Type and every option the plan sets) with the plan. A difference means the node was "
        "started with other settings. Fix: render the plan again and restart K3s.",
    )
)
def check_netconf(ctx: DoctorContext) -> Iterator[Result]:
    obs = _flannel_node(ctx)
    if obs is None:
        return
    path = x.netconf_path(ctx.plan)
    subject = _subject(obs, path)
    text = obs.facts.files.get(path)
    if text is None:
        yield failed(
            "DOC010",
            subject,
            "missing",
            "present",
            "is K3s running with flannel on this node? "
            "'systemctl status k3s' / 'k3s-agent'; with flannel-conf, copy the rendered file here",
        )
        return
    try:
        seen = json.loads(text)
    except json.JSONDecodeError as exc:
        yield failed(
            "DOC010",
            subject,
            f"not JSON ({exc.msg}, line {exc.lineno})",
            "valid JSON",
            "render the plan again and replace the file",
        )
        return
    want = x.netconf(ctx.plan)
    diffs = _netconf_diffs(want, seen if isinstance(seen, dict) else {})
    observed = "; ".join(diffs) if diffs else _netconf_summary(seen)
    yield check(
        not diffs,
        "DOC010",
        subject,
        observed,
        _netconf_summary(want),
        "render the plan again (k3stui render), put the file in place and restart K3s",
    )


def _ci(d: dict[str, object]) -> dict[str, object]:
    return {str(k).lower(): v for k, v in d.items()}  # Go's encoding/json matches keys so


def _netconf_diffs(want: dict[str, object], seen: dict[str, object]) -> list[str]:
    got = _ci(seen)
    out = []
    keys = ["Network", "EnableIPv6"] + (["IPv6Network"] if want.get("EnableIPv6") else [])
    for key in keys:
        if got.get(key.lower()) != want.get(key):
            out.append(f"{key} {got.get(key.lower())!r}")
    wb = want.get("Backend") if isinstance(want.get("Backend"), dict) else {}
    gb_raw = got.get("backend")
    gb = _ci(gb_raw) if isinstance(gb_raw, dict) else {}
    for key, value in (wb or {}).items():
        seen_value = gb.get(key.lower())
        if key == "Type" and isinstance(seen_value, str):
            seen_value = seen_value.lower()  # flannel lower-cases Backend.Type
        if seen_value != value:
            out.append(f"Backend.{key} {seen_value!r}")
    return out


def _netconf_summary(conf: object) -> str:
    if not isinstance(conf, dict):
        return "?"
    c = _ci(conf)
    backend = c.get("backend")
    backend_text = json.dumps(backend, sort_keys=True) if isinstance(backend, dict) else "?"
    v6 = f", IPv6Network {c.get('ipv6network')}" if c.get("enableipv6") else ""
    return f"Network {c.get('network')}{v6}, Backend {backend_text}"


@host_check(
    E(
        "DOC011",
        "flannel",
        "subnet.env: subnet inside this node's podCIDR, planned pod MTU",
        FLANNEL_SRC,
        stage="doctor",
        doc="Reads /run/flannel/subnet.env, which flannel writes once it has this node's lease: "
        "FLANNEL_SUBNET (and FLANNEL_IPV6_SUBNET) must lie inside the node's podCIDR and "
        "FLANNEL_MTU must be the pod MTU 'k3stui render --explain' predicts (uplink MTU minus the "
        "backend's overhead, or the plan's MTU). A wrong MTU drops large packets between nodes. "
        "Fix: set the MTU in the plan (net-conf.json Backend.MTU) or correct the uplink MTU.",
    )
)
def check_subnet_env(ctx: DoctorContext) -> Iterator[Result]:
    obs = _flannel_node(ctx)
    if obs is None:
        return
    subject = _subject(obs, x.SUBNET_ENV)
    text = obs.facts.files.get(x.SUBNET_ENV)
    if text is None:
        yield failed(
            "DOC011",
            subject,
            "missing",
            "written by flannel",
            "flannel has not started here: see 'journalctl -u k3s' (or k3s-agent) for flannel errors",
        )
        return
    env = x.parse_env(text)
    _, mtu = uplink(ctx, obs)
    want_mtu, why = pod_mtu(ctx.plan, mtu or defaults.HOST_MTU)
    problems = []
    for key in ("FLANNEL_SUBNET", "FLANNEL_IPV6_SUBNET"):
        if key not in env:
            continue
        net = p.parse_network(env[key])
        inside = net is not None and any(
            (own := p.parse_network(c)) is not None and own.version == net.version and net.subnet_of(own)
            for c in obs.pod_cidrs
        )
        if not inside:
            problems.append(f"{key}={env[key]} outside podCIDR {', '.join(obs.pod_cidrs) or '?'}")
    if "FLANNEL_SUBNET" not in env and "FLANNEL_IPV6_SUBNET" not in env:
        problems.append("no FLANNEL_SUBNET")
    if want_mtu is not None and env.get("FLANNEL_MTU") != str(want_mtu):
        problems.append(f"FLANNEL_MTU={env.get('FLANNEL_MTU', '?')}")
    observed = "; ".join(problems) or (
        f"subnet {env.get('FLANNEL_SUBNET') or env.get('FLANNEL_IPV6_SUBNET')}, mtu {env.get('FLANNEL_MTU')}"
    )
    yield check(
        not problems,
        "DOC011",
        subject,
        observed,
        f"inside {', '.join(obs.pod_cidrs) or '?'}, mtu {want_mtu} ({why})",
        "a subnet outside the podCIDR means a stale lease: restart K3s; a wrong MTU: set "
        "Backend.MTU in the plan or fix the uplink MTU, then restart K3s on every node",
    )


@host_check(
    E(
        "DOC020",
        "flannel-backend",
        "the route to every other node's pod subnet",
        FLANNEL_SRC,
        stage="doctor",
        doc="For every other node and each of its podCIDRs, finds the route the kernel picks "
        "(ip -j route, -6) and compares it with what the backend installs: host-gw "
        "'<podCIDR> via <node IP> dev <uplink>'; vxlan '<podCIDR> via <podCIDR address> dev "
        "flannel.1 onlink' (with DirectRouting the host-gw form for peers on the same subnet); "
        "wireguard-native a route through flannel-wg. A missing route black-holes pod traffic "
        "to that node. Fix: check flannel's log, that the peer is Ready and (host-gw) that "
        "both nodes share one L2 segment.",
    )
)
def check_routes(ctx: DoctorContext) -> Iterator[Result]:
    obs = _flannel_node(ctx)
    if obs is None:
        return
    if obs.facts.routes is None:
        yield skipped("DOC020", _subject(obs, "routes"), "could not read the routing table (ip -j route)")
        return
    dev, _ = uplink(ctx, obs)
    dev = ctx.plan.flannel.iface or dev or "?"
    note = "" if obs.peers_from == "api" else " (podCIDR predicted from the plan's node order)"
    for peer, cidr, net, peer_ip in _peer_subnets(obs):
        want = x.hop(ctx.plan, obs, dev, peer_ip, cidr)
        if want is None:
            continue
        subject = _subject(obs, f"route {cidr} ({peer.name})")
        got = x.best_route(obs.facts.routes, str(net.network_address))
        expected = f"{want.form}: dev {want.dev}" + (f" via {want.gateway}" if want.gateway else "") + note
        if got is None:
            yield failed("DOC020", subject, "no route", expected, _route_fix(want.form))
            continue
        observed = f"{got.dst} dev {got.dev}" + (f" via {got.gateway}" if got.gateway else "")
        ok = got.dev == want.dev and (want.gateway is None or got.gateway == want.gateway)
        if want.form == "vxlan":
            ok = ok and got.onlink and got.dst == str(net)
        yield check(ok, "DOC020", subject, observed, expected, _route_fix(want.form))


def _route_fix(form: str) -> str:
    if form == "host-gw":
        return (
            "flannel adds it once the peer's lease is known: check the peer is Ready, both nodes are "
            "on one L2 segment, and no other tool removes routes (NetworkManager, netplan)"
        )
    return "check flannel's log on this node ('journalctl -u k3s | grep flannel') and that the peer is Ready"


@host_check(
    E(
        "DOC021",
        "flannel-backend",
        "the VXLAN device (VNI, port, local address, learning, MTU)",
        FLANNEL_SRC,
        stage="doctor",
        doc="Reads flannel.1 (and flannel-v6.1 on dual-stack) with ip -j -d link: VNI and UDP "
        "port as planned (VNI 1, port 8472 unless the plan's net-conf.json says otherwise), local "
        "address = this node's IP, learning off, MTU = the pod MTU. Nodes with different VNI or "
        "port cannot talk. Fix: the same net-conf.json on every node, then restart K3s.",
    )
)
def check_vxlan_device(ctx: DoctorContext) -> Iterator[Result]:
    obs = _flannel_node(ctx, "vxlan")
    if obs is None:
        return
    if obs.facts.links is None:
        yield skipped("DOC021", _subject(obs, "flannel.1"), "could not read links (ip -j -d link)")
        return
    _, mtu = uplink(ctx, obs)
    want_mtu, _ = pod_mtu(ctx.plan, mtu or defaults.HOST_MTU)
    families = {n.version for n in p.networks(p.effective_cluster_cidr(ctx.plan))}
    for fam in sorted(families):
        name = x.VXLAN_DEVICES[fam]
        local = next((a for a in obs.node_ips if x.version_of(a) == fam), "?")
        want = {
            "id": ctx.plan.flannel.vni or defaults.VXLAN_VNI,
            "port": ctx.plan.flannel.port or defaults.VXLAN_PORT,
            "local": local,
            "learning": False,
        }
        expected = f"vni {want['id']}, port {want['port']}, local {local}, learning off, mtu {want_mtu}"
        link = obs.facts.links.get(name)
        subject = _subject(obs, name)
        if link is not None and link.kind is None and not link.info:
            yield skipped(
                "DOC021", subject, "no device details here (plain ip, no -j -d): use an iproute2 image"
            )
            continue
        if link is None or link.kind != "vxlan":
            yield failed(
                "DOC021",
                subject,
                "missing" if link is None else f"a {link.kind} device",
                expected,
                "flannel creates it at start: see its log; is the vxlan module loaded?",
            )
            continue
        info = link.info
        local_key = "local" if fam == 4 else "local6"
        seen_local = info.get(local_key, info.get("local"))
        observed = (
            f"vni {info.get('id')}, port {info.get('port')}, local {seen_local}, "
            f"learning {'on' if info.get('learning') else 'off'}, mtu {link.mtu}"
        )
        ok = (
            info.get("id") == want["id"]
            and info.get("port") == want["port"]
            and seen_local == local
            and not info.get("learning")
            and (want_mtu is None or link.mtu == want_mtu)
        )
        yield check(
            ok,
            "DOC021",
            subject,
            observed,
            expected,
            "give every node the same net-conf.json (VNI, Port, MTU) and node-ip, then restart K3s",
        )


@host_check(
    E(
        "DOC022",
        "flannel-backend",
        "VXLAN neighbour and fdb entries for every peer",
        FLANNEL_SRC,
        stage="doctor",
        doc="For each peer reached through VXLAN flannel installs a permanent neighbour entry (the "
        "peer's podCIDR address -> its VTEP MAC on flannel.1) and an fdb entry (that MAC -> the "
        "peer's node IP). Without them the encapsulated packet has nowhere to go. Fix: check "
        "the peer's flannel.alpha.coreos.com annotations (public-ip, backend-data) and flannel's log.",
    )
)
def check_vxlan_neighbours(ctx: DoctorContext) -> Iterator[Result]:
    obs = _flannel_node(ctx, "vxlan")
    if obs is None:
        return
    if obs.facts.neighbours is None or obs.facts.fdb is None:
        yield skipped("DOC022", _subject(obs, "neighbours"), "could not read ip -j neigh / bridge -j fdb")
        return
    dev, _ = uplink(ctx, obs)
    for peer, cidr, net, peer_ip in _peer_subnets(obs):
        hop = x.hop(ctx.plan, obs, dev or "?", peer_ip, cidr)
        if hop is None or hop.form != "vxlan":
            continue
        gw = str(net.network_address)
        neigh = next((n for n in obs.facts.neighbours if n.dev == hop.dev and n.dst == gw), None)
        fdb = neigh and next((f for f in obs.facts.fdb if f.dev == hop.dev and f.mac == neigh.lladdr), None)
        subject = _subject(obs, f"{hop.dev} {peer.name}")
        expected = f"neigh {gw} -> MAC, fdb MAC -> {peer_ip}"
        if neigh is None or not neigh.lladdr:
            yield failed(
                "DOC022",
                subject,
                f"no neighbour entry for {gw}",
                expected,
                "flannel adds it when it sees the peer's lease: check the peer's annotations",
            )
        elif fdb is None:
            yield failed(
                "DOC022",
                subject,
                f"neigh {gw} -> {neigh.lladdr}, no fdb entry",
                expected,
                "flannel adds it with the neighbour: restart K3s on this node",
            )
        else:
            yield check(
                fdb.dst == peer_ip,
                "DOC022",
                subject,
                f"neigh {gw} -> {neigh.lladdr}, fdb -> {fdb.dst}",
                expected,
                "the peer's public-ip annotation is not its node IP: set node-ip on that node",
            )


@host_check(
    W(
        "DOC023",
        "flannel-backend",
        "WireGuard peers (wg show) for every other node",
        FLANNEL_SRC,
        stage="doctor",
        doc="With wireguard-native, 'wg show all dump' must list each other node as a peer whose "
        "endpoint is its node IP (or external IP) and whose allowed IPs cover its podCIDR. "
        "SKIP when the wg tool is absent. Fix: UDP 51820 (51821 for IPv6) open between nodes, "
        "and the same backend on every node.",
    )
)
def check_wireguard(ctx: DoctorContext) -> Iterator[Result]:
    obs = _flannel_node(ctx, "wireguard-native")
    if obs is None:
        return
    if obs.facts.wg is None:
        yield skipped(
            "DOC023", _subject(obs, "wireguard"), "wg is not installed here (apt install wireguard-tools)"
        )
        return
    peers = _wg_peers(obs.facts.wg)
    for peer in obs.peers:
        hit = next((w for w in peers if w[0] in peer.addresses), None)
        covers = hit is not None and all(c in hit[1] for c in peer.pod_cidrs)
        yield check(
            covers,
            "DOC023",
            _subject(obs, f"wireguard {peer.name}"),
            f"endpoint {hit[0]}, allowed {', '.join(hit[1])}" if hit else "no peer with its address",
            f"endpoint {', '.join(peer.addresses)}, allowed {', '.join(peer.pod_cidrs)}",
            "open UDP 51820/51821 between the nodes; with NAT set node-external-ip and flannel-external-ip",
        )


def _wg_peers(dump: str) -> list[tuple[str, tuple[str, ...]]]:
    """(endpoint host, allowed IPs) of each peer line of `wg show all dump` (9 tab-separated fields)."""
    out = []
    for line in dump.splitlines():
        cols = line.split("\t")
        if len(cols) == 9:
            host = cols[3].rsplit(":", 1)[0].strip("[]")
            out.append((host, tuple(a for a in cols[4].split(",") if a and a != "(none)")))
    return out


# Conflist names each CNI writes (k3s pkg/agent/templates; Calico install-cni; Cilium cilium-cni).
CONFLISTS = {"flannel": "10-flannel.conflist", "calico": "10-calico.conflist", "cilium": "05-cilium.conflist"}


def cni_conf_dir(plan: p.Plan) -> str:
    """K3s points containerd at its own folder only while flannel runs (cni-charts.md "K3s CNI paths")."""
    if p.uses_flannel(plan):
        return f"{x.data_dir(plan)}/agent/etc/cni/net.d"
    return defaults.CNI_CONF_DIR_DEFAULT


@host_check(
    E(
        "DOC030",
        "cni",
        "only the chosen CNI's conflist (Calico's with allow_ip_forwarding)",
        'cni-charts.md "K3s CNI paths"',
        stage="doctor",
        doc="Lists the CNI config folder containerd reads (<data-dir>/agent/etc/cni/net.d with "
        "flannel, /etc/cni/net.d otherwise): the chosen CNI's conflist must be there and no other "
        "CNI's (containerd uses the first by name, so a left-over one wins). Calico's must set "
        "container_settings.allow_ip_forwarding when the plan asks for it. Fix: remove the stale "
        "file and restart K3s.",
    )
)
def check_conflist(ctx: DoctorContext) -> Iterator[Result]:
    obs = _node(ctx)
    kind = "flannel" if p.uses_flannel(ctx.plan) else ctx.plan.cni.kind
    if obs is None or kind not in CONFLISTS:
        return
    folder = cni_conf_dir(ctx.plan)
    subject = _subject(obs, folder)
    names = obs.facts.dirs.get(folder)
    if names is None:
        yield failed(
            "DOC030",
            subject,
            "folder missing",
            CONFLISTS[kind],
            "the CNI has not installed its config: check its DaemonSet's pods on this node",
        )
        return
    want = CONFLISTS[kind]
    others = sorted(n for n in names if n in CONFLISTS.values() and n != want)
    problems = ([] if want in names else [f"no {want}"]) + [f"stale {n}" for n in others]
    forwarding = kind == "calico" and want in names and ctx.plan.cni.calico.container_ip_forwarding
    if forwarding and not _calico_forwarding(obs.facts.files.get(f"{folder}/{want}")):
        problems.append("allow_ip_forwarding not true")
    observed = "; ".join(problems) or ", ".join(sorted(names))
    yield check(
        not problems,
        "DOC030",
        subject,
        observed,
        want,
        "remove the other CNI's conflist from the folder and restart K3s; for Calico set "
        "containerIPForwarding: Enabled in the plan",
    )


def _calico_forwarding(text: str | None) -> bool:
    try:
        conf = json.loads(text or "")
    except json.JSONDecodeError:
        return False
    plugins = conf.get("plugins", []) if isinstance(conf, dict) else []
    return any(
        isinstance(pl, dict)
        and pl.get("type") == "calico"
        and (pl.get("container_settings") or {}).get("allow_ip_forwarding") is True
        for pl in plugins
    )


def sysctl_expectations(plan: p.Plan, dev: str | None) -> list[tuple[str, str, str, str]]:
    """(code, sysctl, wanted value, why) K3s and the CNI need on a running node (k3s-network.md §9)."""
    families = {n.version for n in p.networks(p.effective_cluster_cidr(plan))}
    out = []
    if 4 in families:
        out.append(("DOC040", "net.ipv4.ip_forward", "1", "nodes route pod traffic"))
    if 6 in families:
        out.append(("DOC040", "net.ipv6.conf.all.forwarding", "1", "nodes route IPv6 pod traffic"))
    if p.uses_flannel(plan) or not plan.disable_kube_proxy:
        out.append(
            (
                "DOC042",
                "net.bridge.bridge-nf-call-iptables",
                "1",
                "bridged pod traffic must pass iptables (kube-proxy, network policy)",
            )
        )
    if plan.accept_ra is not None and dev and 6 in families:
        out.append(
            (
                "DOC041",
                f"net.ipv6.conf.{dev}.accept_ra",
                str(plan.accept_ra),
                "the uplink must keep its RA-learnt IPv6 default route with forwarding on",
            )
        )
    return out


@host_check(
    E(
        "DOC040",
        "sysctl",
        "IP forwarding on",
        "k3s-network.md §9",
        stage="doctor",
        doc="net.ipv4.ip_forward (and net.ipv6.conf.all.forwarding on IPv6) must be 1: K3s sets "
        "them at start, so 0 means something reset them (a sysctl.d file, a firewall tool). "
        "Fix: find the file that sets 0 and remove it.",
    ),
    W(
        "DOC041",
        "accept-ra",
        "the uplink's accept_ra as planned",
        "k3s-network.md §3",
        stage="doctor",
        doc="With accept_ra in the plan, the uplink's own net.ipv6.conf.<if>.accept_ra must have it: "
        "setting 'all' does not change interfaces that already exist. Fix: k3stui's sysctl "
        "drop-in names the interface; apply it (sysctl --system).",
    ),
    W(
        "DOC042",
        "sysctl",
        "bridge-nf-call-iptables on",
        "k3s-network.md §9",
        stage="doctor",
        doc="net.bridge.bridge-nf-call-iptables must be 1 (br_netfilter loaded) so bridged pod "
        "traffic passes kube-proxy's and network policy's iptables rules. Fix: modprobe "
        "br_netfilter and restart K3s.",
    ),
)
def check_sysctls(ctx: DoctorContext) -> Iterator[Result]:
    obs = _node(ctx)
    if obs is None:
        return
    dev, _ = uplink(ctx, obs)
    for code, key, want, why in sysctl_expectations(ctx.plan, dev):
        seen = obs.facts.sysctls.get(key)
        subject = _subject(obs, key)
        if seen is None:
            yield skipped(code, subject, "not readable here")
            continue
        yield check(
            seen.strip() == want,
            code,
            subject,
            seen.strip(),
            f"{want} ({why})",
            f"sysctl -w {key}={want}; find what sets it otherwise in /etc/sysctl.d",
        )


@host_check(
    E(
        "DOC050",
        "kernel",
        "kernel modules the plan needs",
        "k3s-network.md §9",
        stage="doctor",
        doc="The modules the backend needs (vxlan, wireguard, macvlan ...) must be loaded or built "
        "in. Fix: install the kernel's extra modules package (linux-modules-extra-*, "
        "kernel-modules-extra) and modprobe it.",
    )
)
def check_modules(ctx: DoctorContext) -> Iterator[Result]:
    from k3stui.install.preflight import required_modules

    obs = _node(ctx)
    if obs is None:
        return
    for mod, why, required in required_modules(ctx.plan):
        if not required:
            continue
        state = obs.facts.modules.get(mod)
        subject = _subject(obs, f"module {mod}")
        if state is None or state.usable is None:
            yield skipped("DOC050", subject, "could not read /proc/modules or /sys/module")
            continue
        observed = "loaded" if state.loaded else "built in" if state.builtin else "not loaded"
        yield check(
            bool(state.loaded or state.builtin),
            "DOC050",
            subject,
            observed,
            f"loaded ({why})",
            f"modprobe {mod}; install the kernel's extra modules package if it is missing",
        )


_K3S_DEVS = ("cni0", "flannel", "cali", "cilium_", "vxlan.calico", "tunl0", "kube-ipvs0", "lxc")


@host_check(
    E(
        "DOC060",
        "cluster-cidr",
        "no host route inside the cluster or service CIDR",
        NET,
        stage="doctor",
        doc="Any route to part of cluster-cidr or service-cidr that flannel or the CNI did not make "
        "(another device, a VPN, a static route) steals that traffic from the pods. Fix: remove "
        "the route or choose CIDRs no host network uses (a reinstall).",
    )
)
def check_overlaps(ctx: DoctorContext) -> Iterator[Result]:
    obs = _node(ctx)
    if obs is None or obs.facts.routes is None:
        return
    peer_gws = {a for peer in obs.peers for a in peer.addresses}
    cidrs = [("cluster-cidr", c) for c in p.effective_cluster_cidr(ctx.plan)]
    cidrs += [("service-cidr", c) for c in p.effective_service_cidr(ctx.plan)]
    bad = []
    for key, cidr in cidrs:
        net = p.parse_network(cidr)
        if net is None:
            continue
        for r in obs.facts.routes:
            rnet = p.parse_network(r.dst) if r.dst != "default" else None
            if rnet is None or rnet.version != net.version or not rnet.subnet_of(net):  # type: ignore[arg-type]
                continue
            if (r.dev or "").startswith(_K3S_DEVS) or (r.gateway in peer_gws and key == "cluster-cidr"):
                continue  # flannel's own (cni0, flannel.1, host-gw via a peer)
            bad.append(f"{r.dst} dev {r.dev}" + (f" via {r.gateway}" if r.gateway else "") + f" in {key}")
    yield check(
        not bad,
        "DOC060",
        _subject(obs, "routes"),
        "; ".join(bad) or "none",
        "no foreign route inside " + ", ".join(c for _, c in cidrs),
        "remove the route (ip route del ...) or plan CIDRs no host network uses",
    )


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


# How many bytes each backend takes from the uplink MTU, for the preflight check and the docs.
OVERHEAD = MTU_OVERHEAD
