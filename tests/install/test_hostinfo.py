"""HostReader over fixture trees and canned `ip -j` output (no real host state involved)."""

from __future__ import annotations

import json
from pathlib import Path

from k3stui.inputs import config_dir_files
from k3stui.install import existing, preflight
from k3stui.install.hostinfo import HostReader, parse_proc_net, unit_exec_args
from k3stui.install.rendered import render
from k3stui.plan import Plan

PROC_TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1
   1: 00000000:192B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1
   2: 0A00000A:D2F0 0A000001:01BB 01 00000000:00000000 00:00000000 00000000     0        0 3 1
"""
PROC_UDP6 = """\
  sl  local_address                         remote_address                        st tx_queue
   0: 00000000000000000000000000000000:2118 00000000000000000000000000000000:0000 07 00000000:00000000
"""

IP_ADDR = [
    {"ifname": "lo", "addr_info": [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8}]},
    {
        "ifname": "eth0",
        "addr_info": [
            {"family": "inet", "local": "192.168.1.10", "prefixlen": 24},
            {"family": "inet6", "local": "2001:db8::10", "prefixlen": 64},
        ],
    },
    {"ifname": "eth1", "addr_info": []},
]
IP4_ROUTE = [
    {"dst": "default", "gateway": "192.168.1.1", "dev": "eth0", "protocol": "dhcp"},
    {"dst": "10.42.0.0/16", "dev": "eth0", "gateway": "192.168.1.5", "protocol": "static"},
]
IP6_ROUTE = [{"dst": "default", "gateway": "fe80::1", "dev": "eth0", "protocol": "ra"}]


def fake_runner(calls: list[list[str]]):
    def run(argv):
        calls.append(list(argv))
        if argv[-1] == "addr":
            return json.dumps(IP_ADDR)
        if argv[-2:] == ["-4", "route"]:
            return json.dumps(IP4_ROUTE)
        if argv[-2:] == ["-6", "route"]:
            return json.dumps(IP6_ROUTE)
        raise AssertionError(argv)

    return run


def _tree(root: Path) -> None:
    (root / "proc/net").mkdir(parents=True)
    (root / "proc/net/tcp").write_text(PROC_TCP)
    (root / "proc/net/udp6").write_text(PROC_UDP6)
    (root / "proc/sys/kernel").mkdir(parents=True)
    (root / "proc/sys/kernel/osrelease").write_text("6.1.0-test\n")
    (root / "proc/modules").write_text("br_netfilter 32768 0 - Live 0x0\noverlay 163840 0 - Live 0x0\n")
    (root / "proc/sys/net/ipv6/conf/eth0").mkdir(parents=True)
    (root / "proc/sys/net/ipv6/conf/eth0/accept_ra").write_text("1\n")
    (root / "proc/sys/net/ipv6/conf/all").mkdir(parents=True)
    (root / "proc/sys/net/ipv6/conf/all/accept_ra").write_text("0\n")
    (root / "sys/module/nf_conntrack").mkdir(parents=True)
    mods = root / "lib/modules/6.1.0-test"
    mods.mkdir(parents=True)
    (mods / "modules.builtin").write_text("kernel/net/ipv4/ip_tables.ko\n")
    (mods / "modules.dep").write_text(
        "kernel/drivers/net/vxlan/vxlan.ko.xz: kernel/net/ipv4/udp_tunnel.ko.xz\n"
    )


def test_parse_proc_net_listening_and_bound_only():
    socks = parse_proc_net(PROC_TCP, "tcp", 4)
    assert [(s.address, s.port) for s in socks] == [("127.0.0.1", 8080), ("0.0.0.0", 6443)]
    assert [(s.address, s.port) for s in parse_proc_net(PROC_UDP6, "udp", 6)] == [("::", 8472)]


def test_unit_exec_args():
    unit = "[Service]\nExecStart=/usr/local/bin/k3s \\\n    server \\\n\t'--cluster-cidr=10.50.0.0/16' \\\n\n"
    assert unit_exec_args(unit) == ["server", "--cluster-cidr=10.50.0.0/16"]
    assert unit_exec_args("[Service]\n") == []


def test_reads_everything_through_root_and_runner(tmp_path):
    _tree(tmp_path)
    calls: list[list[str]] = []
    host = HostReader(tmp_path, run=fake_runner(calls), use_ip=True, is_root=False).read(
        files=["/etc/hostname", "/nope"]
    )
    assert calls == [["ip", "-j", "addr"], ["ip", "-j", "-4", "route"], ["ip", "-j", "-6", "route"]]
    assert host.interfaces == ("lo", "eth0", "eth1")
    assert [a.cidr for a in host.addresses] == ["127.0.0.1/8", "192.168.1.10/24", "2001:db8::10/64"]
    assert [(r.dst, r.proto, r.family) for r in host.routes][-1] == ("default", "ra", 6)
    assert {(s.proto, s.port) for s in host.sockets} == {("tcp", 8080), ("tcp", 6443), ("udp", 8472)}
    assert host.kernel_release == "6.1.0-test"
    assert host.accept_ra == {"all": 0, "eth0": 1}
    m = host.modules
    assert m["overlay"].usable and m["br_netfilter"].loaded
    assert m["vxlan"].usable and m["vxlan"].available and not m["vxlan"].loaded
    assert m["ip_tables"].builtin and m["nf_conntrack"].builtin  # modules.builtin / /sys/module
    assert m["wireguard"].usable is False
    assert host.files["/nope"].exists is False
    assert host.is_root is False


def test_an_image_root_reads_no_ip_and_says_so(tmp_path):
    host = HostReader(tmp_path, run=fake_runner([]), is_root=True).read()
    assert host.interfaces is None and host.routes is None and host.sockets is None
    assert host.modules["vxlan"].usable is None
    assert any("--root" in n for n in host.notes)


def test_existing_k3s_is_read_from_config_and_unit(tmp_path):
    (tmp_path / "etc/rancher/k3s").mkdir(parents=True)
    (tmp_path / "etc/rancher/k3s/config.yaml").write_text("cluster-cidr: 10.50.0.0/16\n")
    (tmp_path / "etc/systemd/system").mkdir(parents=True)
    (tmp_path / "etc/systemd/system/k3s.service").write_text(
        "[Service]\nExecStart=/usr/local/bin/k3s \\\n    server \\\n    '--flannel-backend=host-gw' \\\n"
    )
    (tmp_path / "var/lib/rancher/k3s/server/db").mkdir(parents=True)
    ex = HostReader(tmp_path, use_ip=False).read().existing
    assert ex.installed and ex.role == "server" and ex.has_state and ex.error is None
    assert ex.config_files == (("/etc/rancher/k3s/config.yaml", "cluster-cidr: 10.50.0.0/16\n"),)
    assert ex.unit_args == ("server", "--flannel-backend=host-gw")
    now = existing.now(ex.config_files, ex.unit, ex.unit_args).plan  # merged once, by preflight
    assert now.cluster_cidr == ("10.50.0.0/16",) and now.flannel.backend == "host-gw"


def test_unreadable_existing_config_is_an_error_not_a_crash(tmp_path):
    (tmp_path / "etc/rancher/k3s").mkdir(parents=True)
    (tmp_path / "etc/rancher/k3s/config.yaml").write_text("cluster-cidr: [unclosed\n")
    ex = HostReader(tmp_path, use_ip=False).read().existing
    assert ex.installed and ex.error is None  # read; the merge says what is wrong with it
    found, error = preflight.outlook(render(Plan(), chart=False), "server", ex)
    assert found is None and error and "config.yaml" in error


def test_host_config_is_listed_as_config_dir_lists_it(tmp_path):
    d = tmp_path / "etc/rancher/k3s/config.yaml.d"
    d.mkdir(parents=True)
    for name in ("20-b.yml", "10-a.yaml", "30-c.txt"):
        (d / name).write_text("node-label: [x]\n")
    (d / "40-dir.yaml").mkdir()
    ex = HostReader(tmp_path, use_ip=False).read().existing
    d_node = "/etc/rancher/k3s/config.yaml.d"
    assert [s for s, _ in ex.config_files] == [f"{d_node}/10-a.yaml", f"{d_node}/20-b.yml"]
    assert [p.name for p in config_dir_files(d)] == ["10-a.yaml", "20-b.yml"]


def test_a_dangling_unit_link_is_no_crash(tmp_path):
    units = tmp_path / "etc/systemd/system"
    units.mkdir(parents=True)
    (units / "k3s.service").symlink_to("/nonexistent/k3s.service")
    ex = HostReader(tmp_path, use_ip=False).read().existing
    assert ex.installed and ex.unit is None and ex.error is None


def test_an_unreadable_k3s_folder_is_a_note_not_a_crash(tmp_path, monkeypatch):
    """Without root, /var/lib/rancher/k3s/server (0700) cannot even be looked into."""
    real = Path.exists

    def exists(self, *a, **kw):
        if "rancher" in str(self):
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *a, **kw)

    monkeypatch.setattr(Path, "exists", exists)
    host = HostReader(tmp_path, use_ip=False).read()
    assert not host.existing.installed
    assert any("could not look for an existing K3s" in n and "root" in n for n in host.notes)
