"""Preflight against network namespaces this test creates (root + iproute2 only).

Each test that changes a namespace gets its own `k3stui-test-<random>` with a veth pair, addresses and
routes; the tests that only read one share a module's; the fixture removes it (and so every link in
it) whatever happens. No traffic is sent at all.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest

from k3stui.install.hostinfo import HostReader, sh_runner
from k3stui.install.preflight import check
from k3stui.plan import Plan, with_value

pytestmark = pytest.mark.netns


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def _netns_available() -> str | None:
    if os.geteuid() != 0:
        return "needs root"
    if shutil.which("ip") is None:
        return "needs iproute2"
    probe = f"k3stui-test-probe-{secrets.token_hex(3)}"
    try:
        _ip("netns", "add", probe)
    except (subprocess.CalledProcessError, OSError) as exc:
        return f"ip netns unavailable: {exc}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, timeout=10)
    return None


_WHY = _netns_available()


@contextmanager
def _namespace() -> Iterator[str]:
    if _WHY:
        pytest.skip(_WHY)
    name = f"k3stui-test-{secrets.token_hex(4)}"
    _ip("netns", "add", name)
    try:
        n = ["-n", name]
        _ip(*n, "link", "set", "lo", "up")
        _ip(*n, "link", "add", "k3t0", "type", "veth", "peer", "name", "k3t1")
        _ip(*n, "addr", "add", "192.168.77.1/24", "dev", "k3t0")
        _ip(*n, "addr", "add", "192.168.77.2/24", "dev", "k3t1")
        _ip(*n, "link", "set", "k3t0", "up")
        _ip(*n, "link", "set", "k3t1", "up")
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=10)
        assert name not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout


@pytest.fixture
def netns() -> Iterator[str]:
    """A namespace of this test's own, to change."""
    with _namespace() as name:
        yield name


def _read(netns: str, tmp_path):
    return HostReader(tmp_path, run=sh_runner, netns=netns, is_root=True).read()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory):
    """What the reader sees in a namespace as the fixture made it: read once (a read is the slow
    part), for the tests that only judge it and change nothing."""
    with _namespace() as name:
        yield _read(name, tmp_path_factory.mktemp("pristine"))


def test_namespace_is_read_through_ip_n(pristine):
    host = pristine
    assert {"lo", "k3t0", "k3t1"} <= set(host.interfaces)
    assert ("k3t0", "192.168.77.1/24") in {(a.ifname, a.cidr) for a in host.addresses}
    assert any(r.dst == "192.168.77.0/24" and r.dev == "k3t0" for r in host.routes)
    assert host.sockets == ()  # a fresh namespace listens nowhere


def test_route_overlapping_the_pod_cidr_is_reported(netns, tmp_path):
    _ip("-n", netns, "route", "add", "10.42.128.0/17", "via", "192.168.77.2", "dev", "k3t0")
    host = _read(netns, tmp_path)
    found = [f for f in check(Plan(), "server", host) if f.code == "INST041"]
    assert len(found) == 1
    assert (
        found[0].key == "cluster-cidr" and "10.42.128.0/17" in found[0].message and "k3t0" in found[0].message
    )
    # Another pod CIDR does not collide.
    other = Plan(cluster_cidr=("10.60.0.0/16",))
    assert not [f for f in check(other, "server", host) if f.code == "INST041"]


def test_address_inside_the_service_cidr_is_reported(netns, tmp_path):
    _ip("-n", netns, "addr", "add", "10.43.0.5/32", "dev", "k3t1")
    found = [
        f for f in check(Plan(), "server", _read(netns, tmp_path)) if f.code == "INST040"
    ]
    assert [f.key for f in found] == ["service-cidr"] and "k3t1" in found[0].message


def test_missing_interface_is_reported(pristine):
    host = pristine
    bad = with_value(Plan(), "flannel.iface", "eth-missing")
    assert [f.code for f in check(bad, "server", host) if f.code == "INST050"] == [
        "INST050"
    ]
    good = with_value(Plan(), "flannel.iface", "k3t0")
    assert not [f for f in check(good, "server", host) if f.code == "INST050"]


def _sysctl(netns: str, setting: str) -> None:
    subprocess.run(["ip", "netns", "exec", netns, "sysctl", "-qw", setting],
                   check=True, capture_output=True, timeout=10)


def test_ra_default_route_and_accept_ra_are_read_in_the_namespace(netns, tmp_path):
    _ip("-n", netns, "-6", "route", "add", "default", "via", "fe80::1", "dev", "k3t0", "proto", "ra")
    _sysctl(netns, "net.ipv6.conf.k3t0.accept_ra=1")
    host = _read(netns, tmp_path)
    assert host.accept_ra.get("k3t0") == 1
    assert [f.code for f in check(Plan(), "server", host) if f.code == "INST070"] == [
        "INST070"
    ]
    _sysctl(netns, "net.ipv6.conf.k3t0.accept_ra=2")
    host = _read(netns, tmp_path)
    assert not [f for f in check(Plan(), "server", host) if f.code == "INST070"]
    assert not [
        f
        for f in check(replace(Plan(), accept_ra=2), "server", host)
        if f.code == "INST070"
    ]


def test_a_busy_port_inside_the_namespace_is_reported(netns, tmp_path):
    code = (
        "import socket, sys, time\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 8472))\n"
        "print('bound', flush=True); time.sleep(30)\n"
    )
    proc = subprocess.Popen(
        ["ip", "netns", "exec", netns, sys.executable, "-c", code], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "bound"
        found = [
            f
            for f in check(Plan(), "server", _read(netns, tmp_path))
            if f.code == "INST060"
        ]
        assert [f.key for f in found] == ["8472/udp"] and "127.0.0.1" in found[0].message
    finally:
        proc.kill()
        proc.wait(timeout=10)
