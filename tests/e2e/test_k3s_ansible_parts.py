"""The pure parts of `make test-k3s-ansible` (scripts/k3s-ansible-e2e.py) and its fakes
(tests/fixtures/k3s-ansible/fakenode.py), in the normal suite: no root, no namespace, no Ansible.
The run itself, against the real playbook, is that target's."""

from __future__ import annotations

import importlib.util
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from k3stui.commands.check import check_inputs
from k3stui.plan import Node
from k3stui.render import ansible as ra
from k3stui.render.per_node import render_per_node

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests/fixtures/k3s-ansible"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


e2e = _load("k3stui_e2e_driver", REPO / "scripts/k3s-ansible-e2e.py")
fake = e2e.fake


@pytest.fixture
def root(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("K3STUI_FAKE_ROOT", str(tmp_path))
    return tmp_path


def _plan(name: str, *flags: str):
    from k3stui.cli import build_parser

    exec_flags = [f"--exec={f}" for f in flags]
    preset = str(FIXTURES / "plans" / f"{name}.yaml")
    args = build_parser().parse_args(["check", "--preset", preset, *exec_flags])
    plan, found = check_inputs(args)
    assert not [f for f in found if f.severity.name == "ERROR"]
    return plan


def _dropin(plan, node: Node) -> dict:
    files = render_per_node(plan)
    text = next(f.content for f in files if f.path == f"nodes/{node.name}/{e2e.DROPIN}")
    return yaml.safe_load(text)


def _as_k3s_ansible_writes(plan, node: Node, token: str | None, first: Node) -> dict:
    """config.yaml as k3s-ansible's roles write it from the export (k3s_server/tasks/main.yml)."""
    data = ra.combined_settings(plan, node)
    if node.role == "agent":
        return data
    host, port = ra.api_endpoint(plan)
    own: dict = {"tls-san": host} | ({"token": token} if token else {})
    if sum(n.role == "server" for n in plan.nodes) > 1:
        own |= {"cluster-init": True} if node is first else {"server": f"https://{host}:{port}"}
    return own | data


@pytest.mark.parametrize("scenario", sorted(e2e.SCENARIOS))
def test_the_export_combined_as_k3s_ansible_does_matches_the_per_node_drop_in(scenario: str) -> None:
    sc = e2e.SCENARIOS[scenario]
    plan = _plan(scenario, *sc.exec_flags)
    servers = [n for n in plan.nodes if n.role == "server"]
    host, port = ra.api_endpoint(plan)
    for node in plan.nodes:
        token = sc.token if node.role == "server" else None
        written = _as_k3s_ansible_writes(plan, node, sc.token, servers[0])
        line = {"server": f"https://{host}:{port}"} if node.role == "agent" else {}
        assert e2e.compare_config(written, _dropin(plan, node), role=node.role, first=node is servers[0],
                                  ha=len(servers) > 1, api_endpoint=host, token=token,
                                  command_line=line) == []


def test_compare_config_names_each_difference() -> None:
    dropin = {"node-ip": ["10.0.0.12", "fd00:1::12"], "cluster-cidr": ["10.42.0.0/16", "fd00:42::/56"],
              "flannel-iface": "eth1", "server": "https://10.0.0.11:6443", "token-file": "/t",
              "node-name": "srv2"}
    good = {"node-ip": ["10.0.0.12", "fd00:1::12"], "cluster-cidr": "10.42.0.0/16,fd00:42::/56",
            "flannel-iface": "eth1", "server": "https://10.0.0.11:6443", "token": "T", "tls-san": "10.0.0.11",
            "node-name": "srv2", "service-cidr": "10.43.0.0/16"}  # K3s's default, written by the export
    kw = {"role": "server", "first": False, "ha": True, "api_endpoint": "10.0.0.11", "token": "T"}
    assert e2e.compare_config(good, dropin, **kw) == []
    bad = {**good, "node-ip": ["10.0.0.99"], "server": "https://10.0.0.12:6443", "tls-san": "x", "token": "U",
           "service-cidr": "10.99.0.0/16"}
    del bad["flannel-iface"]
    problems = "\n".join(e2e.compare_config(bad, dropin, **kw))
    for word in ("node-ip", "flannel-iface: 'eth1' in the per-node drop-in, missing", "server:", "tls-san",
                 "token:", "service-cidr"):
        assert word in problems
    first = e2e.compare_config({**good, "server": None}, {**dropin, "cluster-init": True},
                               **{**kw, "first": True})
    assert any("cluster-init" in p for p in first)


def test_an_agent_joins_on_its_unit_command_line_not_in_config() -> None:
    dropin = {"node-name": "ag1", "server": "https://10.0.0.11:6443", "token-file": "/t"}
    kw = {"role": "agent", "first": False, "ha": True, "api_endpoint": "10.0.0.11", "token": None}
    line = {"server": "https://10.0.0.11:6443"}
    assert e2e.compare_config({"node-name": "ag1"}, dropin, command_line=line, **kw) == []
    assert e2e.compare_config({"node-name": "ag1"}, dropin, command_line={}, **kw)
    assert e2e.compare_config({"node-name": "ag1", "server": "x"}, dropin, command_line=line, **kw)


def test_file_data_and_secrets(tmp_path: Path) -> None:
    assert e2e.same_file_data("a.json", b'{"a": 1, "b": [2]}', b'{"b":[2],"a":1}')
    assert not e2e.same_file_data("a.json", b'{"a": 1}', b'{"a": 2}')
    assert e2e.same_file_data("etc/sysctl.d/9.conf", b"# c\nx.y = 2\n", b"x.y=2\n")
    assert not e2e.same_file_data("etc/sysctl.d/9.conf", b"x.y = 2\n", b"x.y = 1\n")
    (tmp_path / "d").mkdir()
    (tmp_path / "d/v.yml").write_text("token: s3cret\n")
    (tmp_path / "ok.yml").write_text("token: '{{ vault }}'\n")
    assert e2e.secret_hits(tmp_path, ["s3cret"]) == ["d/v.yml holds a planted secret"]


def test_inventory_nodes_and_the_enter_script() -> None:
    plan = _plan("ha")
    inv = yaml.safe_load(next(f.content for f in ra.render_ansible(plan) if f.path == ra.INVENTORY))
    nodes = e2e.inventory_nodes(inv)
    assert [(n.name, n.role, n.iface) for n in nodes] == [
        ("srv1", "server", "eth0"), ("srv2", "server", "eth0"), ("ag1", "agent", "eth0")]
    assert nodes[1].addresses == ("10.0.0.12", "fd00:1::12")
    two = e2e.inventory_nodes(yaml.safe_load(next(
        f.content for f in ra.render_ansible(_plan("two-nodes")) if f.path == ra.INVENTORY)))
    assert [n.iface for n in two] == ["eth1", "eth1"]  # the plan's flannel-iface names the interface
    script = e2e.enter_script("k3e1-srv1", Path("/tmp/w x/root"))
    assert script.startswith("#!/bin/sh\n") and "\nshift\n" in script
    assert "exec ip netns exec k3e1-srv1 /bin/sh -c " in script and "env -i PATH=" in script
    assert 'mount -o bind,ro /sys "$0/sys"' in script and "chroot \"$0\"" in script
    assert script.rstrip().endswith("'/tmp/w x/root' \"$@\"")


def test_preflight_refuses_clearly(tmp_path: Path, monkeypatch) -> None:
    assert "K3S_ANSIBLE=/path/to/k3s-ansible" in e2e.preflight(None, tmp_path)[0]
    assert "no k3s-ansible checkout there" in e2e.preflight(str(tmp_path), tmp_path)[0]
    (tmp_path / "galaxy.yml").write_text("namespace: k3s\nname: orchestration\n")
    (tmp_path / "playbooks").mkdir()
    (tmp_path / "playbooks/site.yml").write_text("[]\n")
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    problems = e2e.preflight(str(tmp_path), tmp_path)
    assert any(p.startswith("needs root") for p in problems)
    assert any("no ansible-playbook in" in p for p in problems)
    assert not any("checkout" in p for p in problems)


@pytest.mark.skipif(not os.access("/usr/bin/python3", os.X_OK), reason="the fakes run with /usr/bin/python3")
def test_the_fake_k3s_is_the_plans_release_for_k3stui(tmp_path: Path) -> None:
    from k3stui.install.bundle import check_binary_version

    e2e.artifacts(tmp_path / "arts", "v1.34.3+k3s1")
    assert check_binary_version(tmp_path / "arts/k3s", "v1.34.3+k3s1") is None
    assert "v1.35.0+k3s1" in check_binary_version(tmp_path / "arts/k3s", "v1.35.0+k3s1")
    out = subprocess.run([tmp_path / "arts/k3s-install.sh"], capture_output=True, text=True, env={})
    assert out.returncode == 1 and "INSTALL_K3S_SKIP_DOWNLOAD" in out.stderr  # never downloads


# --- the fakes --------------------------------------------------------------------------------


def _env(**kw: str) -> dict[str, str]:
    return {"PATH": "/usr/local/bin:/usr/bin", "INSTALL_K3S_SKIP_DOWNLOAD": "true", **kw}


def _k3s_binary(root: Path) -> None:
    b = root / "usr/local/bin/k3s"
    b.parent.mkdir(parents=True)
    b.write_text("#!/bin/sh\n")
    b.chmod(0o755)


def test_fake_installer_writes_the_agent_unit_and_env_without_enabling(root: Path) -> None:
    _k3s_binary(root)
    env = _env(INSTALL_K3S_EXEC="agent --server https://10.0.0.11:6443", INSTALL_K3S_SKIP_ENABLE="true",
               K3S_TOKEN="T", INSTALL_K3S_SYSTEMD_DIR="/etc/systemd/system", OTHER="x")
    assert fake.install(env) == 0
    unit = fake.parse_unit((root / "etc/systemd/system/k3s-agent.service").read_text())
    argv = fake.shlex.split(unit["ExecStart"][0])
    assert argv[:2] == ["/usr/local/bin/k3s", "agent"]
    assert fake.parse_flags(argv[2:]) == {"server": "https://10.0.0.11:6443"}
    assert unit["EnvironmentFile"][-1] == "-/etc/systemd/system/k3s-agent.service.env"
    envf = root / "etc/systemd/system/k3s-agent.service.env"
    assert envf.read_text() == "K3S_TOKEN=T\n" and stat.S_IMODE(envf.stat().st_mode) == 0o600
    assert (root / "usr/local/bin/kubectl").is_symlink()
    assert (root / "usr/local/bin/k3s-agent-uninstall.sh").exists()
    assert not (root / "run/k3stui-fake/systemd/journal").exists()  # SKIP_ENABLE: neither enabled nor started


def test_fake_installer_refuses_what_the_real_one_would(root: Path) -> None:
    assert fake.install(_env()) == 1  # no k3s binary at /usr/local/bin/k3s
    _k3s_binary(root)
    assert fake.install(_env(INSTALL_K3S_SKIP_DOWNLOAD="false")) == 1
    assert fake.install(_env(K3S_URL="https://x:6443")) == 1  # an agent without a token
    assert fake.install(_env(INSTALL_K3S_SKIP_START="true")) == 0  # a server: enabled, not started
    assert (root / "etc/systemd/system/k3s.service").is_file()
    journal = (root / "run/k3stui-fake/systemd/journal").read_text().splitlines()
    assert journal == ["enable k3s.service", "daemon-reload"]


def test_fake_systemctl_answers_what_ansible_parses(root: Path, capsys) -> None:
    _k3s_binary(root)
    assert fake.install(_env(INSTALL_K3S_SKIP_ENABLE="true")) == 0
    capsys.readouterr()
    assert fake.systemctl(["is-enabled", "k3s"]) == 1 and capsys.readouterr().out == "disabled\n"
    assert fake.systemctl(["enable", "k3s"]) == 0 and fake.systemctl(["is-enabled", "k3s.service", "-l"]) == 0
    assert capsys.readouterr().out == "enabled\n"
    fake.systemctl(["show", "k3s"])
    shown = dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines())
    states = (shown["LoadState"], shown["ActiveState"], shown["UnitFileState"])
    assert states == ("loaded", "inactive", "enabled")
    assert fake.systemctl(["is-active", "k3s"]) == 3 and capsys.readouterr().out == "inactive\n"
    fake.systemctl(["list-unit-files", "--no-pager", "--type", "service", "--all"])
    assert capsys.readouterr().out.split()[:2] == ["k3s.service", "enabled"]
    fake.systemctl(["show", "nope.service", "--property=LoadState"])
    assert capsys.readouterr().out == "LoadState=not-found\n"
    assert fake.systemctl(["start", "nope"]) == 5


def test_fake_sysctl_keeps_keys_off_the_kernel(root: Path, capsys) -> None:
    (root / "etc/sysctl.d").mkdir(parents=True)
    (root / "usr/lib/sysctl.d").mkdir(parents=True)
    (root / "usr/lib/sysctl.d/50-a.conf").write_text("net.x = 1\nnet.y = 1\n")
    (root / "etc/sysctl.d/50-a.conf").write_text("net.x = 2\n")  # same name: /etc wins, /usr's is not read
    (root / "etc/sysctl.d/90-b.conf").write_text("# c\n-net.z=3\n")
    assert fake.sysctl(["-n", "net.ipv4.ip_forward"]) == 0 and capsys.readouterr().out == "0\n"
    assert fake.sysctl(["--system"]) == 0
    assert json.loads((root / "run/k3stui-fake/sysctl.json").read_text()) == {"net.x": "2", "net.z": "3"}
    assert fake.sysctl(["-w", "net.ipv4.ip_forward=1"]) == 0
    capsys.readouterr()
    fake.sysctl(["-e", "-n", "net.ipv4.ip_forward"])
    assert capsys.readouterr().out == "1\n"


def test_fake_k3s_reads_config_as_k3s_and_checks_the_join_token(root: Path) -> None:
    d = root / "etc/rancher/k3s/config.yaml.d"
    d.mkdir(parents=True)
    config = "node-name: a\nserver: 'https://x:6443'\nnode-ip:\n- 1.2.3.4\n"
    (root / "etc/rancher/k3s/config.yaml").write_text(config)
    (d / "50-z.yaml").write_text('node-name: "b"\n')
    assert fake.read_config() == {"node-name": "b", "server": "https://x:6443"}
    assert fake.parse_flags(["--server", "https://y", "--token=t", "--debug"]) == {
        "server": "https://y", "token": "t", "debug": "true"}
    cluster = fake.Cluster("K10abc::server:pw")
    assert cluster.handle({"op": "join", "name": "n", "roles": [], "token": "pw"}) == {"ok": True}
    assert not cluster.handle({"op": "join", "name": "m", "roles": [], "token": "bad"})["ok"]
    assert cluster.handle({"op": "nodes"})["nodes"] == [{"name": "n", "roles": []}]
