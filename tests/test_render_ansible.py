"""`render --ansible`: the folder k3s-io/k3s-ansible consumes. Pure renderer tests for every preset
and a 3-server + 20-agent plan; with ansible-core installed (the `ansible` extra), the real
ansible-inventory, the real Jinja `combine` per host (debug module, local connection, no host
contacted) and a syntax check of the wrapper against a stub k3s.orchestration collection."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from k3stui.chart import chart_export_files
from k3stui.commands.ansible_export import write_export
from k3stui.errors import WriteRefused
from k3stui.importers import merge_configs, plan_from_args
from k3stui.plan import Cni, Flannel, Node, Plan, Secret, effective_cluster_cidr, effective_service_cidr
from k3stui.presets import load_shipped as shipped
from k3stui.presets import shipped_names
from k3stui.render import ansible as ra
from k3stui.render.k3s_config import k3s_args

TOKEN = "s3cret-join-token-value"
SERVERS = tuple(
    Node(f"srv{i}", f"10.0.0.{10 + i}", "server", node_ip=(f"10.0.0.{10 + i}",)) for i in (1, 2, 3)
)
AGENTS = tuple(
    Node(f"ag{i:02}", f"10.0.1.{i}", node_ip=(f"10.0.1.{i}",), flannel_iface="eth1" if i % 2 else None)
    for i in range(1, 21)
)
BIG = Plan(
    k3s_version="v1.34.3+k3s1",
    token=Secret(TOKEN),
    cluster_cidr=("10.42.0.0/16", "fd00:42::/56"),
    service_cidr=("10.43.0.0/16", "fd00:43::/112"),
    accept_ra=2,
    flannel=Flannel(backend="vxlan", mtu=1400),
    nodes=SERVERS + AGENTS,
    extra={"agent-token": "another-secret", "node-name": "this-laptop"},
)
# With a chart (the auto-deploy manifest goes to the servers) and node files (the sysctl drop-in).
BIG_CALICO = replace(BIG, flannel=Flannel(backend="none"), cni=Cni(kind="calico"))
HOST_GW = Plan(
    flannel=Flannel(backend="host-gw"),
    nodes=(Node("srv1", "192.168.1.10", "server"), Node("ag1", "192.168.1.11")),
)


def _files(plan: Plan, **kw) -> dict[str, ra.ExportFile]:
    files = ra.render_ansible(plan, chart_files=chart_export_files(plan), **kw)
    return {f.path: f for f in files}


class _Loader(yaml.SafeLoader):
    """Reads `!unsafe` (Ansible's "never template this") as the plain string it is."""


_Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def _yaml(f: ra.ExportFile):
    return yaml.load(f.content, Loader=_Loader)


def _with_nodes(name: str) -> Plan:
    return replace(shipped(name).plan, nodes=(Node("srv1", "10.0.0.10", "server"), Node("ag1", "10.0.0.11")))


def _without_join(args: dict) -> dict:
    return {k: v for k, v in args.items() if k not in ("server", "token", "token-file")}


def _read_back(text: str, role: str) -> Plan:
    merged, found = merge_configs([("config.yaml", text)])
    plan, more = plan_from_args(merged, role=role, base=Plan())
    assert not [f for f in found + more if f.severity.value == "error"], found + more
    return plan


@pytest.mark.parametrize("name", shipped_names())
def test_every_preset_exports_and_combines_back_to_the_plan(name: str) -> None:
    plan = _with_nodes(name)
    files = _files(plan)
    group = _yaml(files[ra.CLUSTER_VARS])
    for node in plan.nodes:
        combined = ra.combined_settings(plan, node)
        assert combined == {
            **group[f"k3stui_{node.role}_config"],
            **_yaml(files[ra.INVENTORY])["k3s_cluster"]["children"][node.role]["hosts"][node.name][
                ra.NODE_VAR
            ],
        }
        # Read back as that node of the plan's node list (its node-name and role).
        back = replace(_read_back(yaml.safe_dump(combined), node.role), nodes=plan.nodes)
        # What k3s-ansible adds itself (server, token, cluster-init) aside, the node runs the plan:
        shared = ra.cluster_plan(plan)  # a plan-wide node-ip is one host's, not every node's
        want = replace(
            shared,
            role=node.role,
            extra={**shared.extra, "node-name": node.name},
            cluster_cidr=effective_cluster_cidr(plan),
            service_cidr=effective_service_cidr(plan),
        )
        for key in ("server", "token", "token-file"):
            assert key not in combined
        assert _without_join(k3s_args(back, node.role)) == _without_join(k3s_args(want, node.role))
    if shipped(name).plan.cni.kind != "flannel":
        assert _yaml(files[ra.SERVER_VARS]) == {
            "extra_manifests": ["{{ inventory_dir }}/manifests/k3s-cni.yaml"]
        }
        assert ra.SERVER_VARS in files and "manifests/k3s-cni.yaml" in files


def test_three_servers_twenty_agents() -> None:
    files = _files(BIG)
    inv = _yaml(files[ra.INVENTORY])["k3s_cluster"]["children"]
    assert list(inv["server"]["hosts"]) == ["srv1", "srv2", "srv3"] and len(inv["agent"]["hosts"]) == 20
    assert inv["agent"]["hosts"]["ag01"] == {
        "ansible_host": "10.0.1.1",
        ra.NODE_VAR: {"node-name": "ag01", "node-ip": ["10.0.1.1"], "flannel-iface": "eth1"},
    }
    assert inv["agent"]["hosts"]["ag02"][ra.NODE_VAR] == {"node-name": "ag02", "node-ip": ["10.0.1.2"]}
    group = _yaml(files[ra.CLUSTER_VARS])
    assert group["k3s_version"] == "v1.34.3+k3s1" and group["api_endpoint"] == "10.0.0.11"
    server = group[ra.SERVER_DATA]
    assert server["cluster-cidr"] == "10.42.0.0/16,fd00:42::/56"  # strings: k3s-ansible splits them
    assert server["service-cidr"] == "10.43.0.0/16,fd00:43::/112"
    assert server["agent-token"] == "{{ k3stui_agent_token }}"  # a vault variable, never the value
    assert not {"server", "token", "token-file", "cluster-init"} & (set(server) | set(group[ra.AGENT_DATA]))
    assert "node-name" not in server and "node-ip" not in server  # this laptop's identity stays out
    assert group["server_config_yaml"].startswith("{{ k3stui_server_config | combine(k3stui_node")
    readme = files["README.md"].content.decode()
    assert "ansible-playbook site.yml -i inventory.yml" in readme and "ansible-vault" in readme
    assert "0644" in readme and "k3stui_agent_token" in readme and "3 servers" in readme
    wrapper = _yaml(files[ra.WRAPPER])
    assert wrapper[-1] == {
        "name": "K3s by k3s-ansible",
        "ansible.builtin.import_playbook": "k3s.orchestration.site",
    }
    tasks = wrapper[0]["tasks"]
    assert [t["ansible.builtin.copy"]["dest"] for t in tasks if "ansible.builtin.copy" in t] == [
        "/etc/rancher/k3s/flannel-net-conf.json",
        "/etc/sysctl.d/90-k3stui-network.conf",
    ]
    # `copy` makes no parent folder and a fresh node has no /etc/rancher/k3s: each is made first.
    made = [t["ansible.builtin.file"] for t in tasks if "ansible.builtin.file" in t]
    assert made == [{"path": d, "state": "directory", "mode": "0755", "owner": "root", "group": "root"}
                    for d in ("/etc/rancher/k3s", "/etc/sysctl.d")]
    assert tasks.index(next(t for t in tasks if "ansible.builtin.copy" in t)) == len(made)


def test_no_secret_anywhere() -> None:
    for f in ra.render_ansible(BIG, chart_files=chart_export_files(BIG)):
        text = f.content or b""
        assert TOKEN.encode() not in text and b"another-secret" not in text, f.path


def test_wrapper_only_with_node_files_and_api_endpoint_from_the_plan() -> None:
    plain = _files(HOST_GW)
    assert ra.WRAPPER not in plain and not any(p.startswith("files/") for p in plain)
    assert "ansible-playbook k3s.orchestration.site -i inventory.yml" in plain["README.md"].content.decode()
    vip = _yaml(_files(replace(HOST_GW, server="https://[fd00::5]:7443"))[ra.CLUSTER_VARS])
    assert vip["api_endpoint"] == "fd00::5" and vip["api_port"] == 7443
    with pytest.raises(ValueError, match="lists no nodes"):
        ra.render_ansible(Plan())
    external = _yaml(
        _files(replace(HOST_GW, extra={"datastore-endpoint": "postgres://u:pw@db/k3s"}))[ra.CLUSTER_VARS]
    )
    assert external["use_external_database"] is True
    assert external[ra.SERVER_DATA]["datastore-endpoint"] == "{{ k3stui_datastore_endpoint }}"
    assert "datastore-endpoint" not in external[ra.AGENT_DATA]  # a server flag stays off the agents


def test_one_hosts_addresses_stay_out_and_other_keys_go_in() -> None:
    plan = replace(HOST_GW, extra={"advertise-address": "192.168.1.99", "tls-san": ["k3s.example"],
                                   "node-label": ["zone=a"]})
    files = _files(plan)
    group = _yaml(files[ra.CLUSTER_VARS])
    assert group[ra.SERVER_DATA]["tls-san"] == ["k3s.example"] and "tls-san" not in group[ra.AGENT_DATA]
    assert group[ra.AGENT_DATA]["node-label"] == ["zone=a"]
    assert "192.168.1.99" not in str(group)
    assert "Left out: advertise-address" in files["README.md"].content.decode()


def test_airgap_layout_uses_k3s_ansible_names(tmp_path: Path) -> None:
    (tmp_path / "k3s").write_bytes(b"bin")
    (tmp_path / "install.sh").write_text("#!/bin/sh\n")
    (tmp_path / "k3s-airgap-images-amd64.tar.zst").write_bytes(b"img")
    arts = [
        ra.AirgapArtifact("k3s", "binary", tmp_path / "k3s"),
        ra.AirgapArtifact("install.sh", "install-script", tmp_path / "install.sh"),
        ra.AirgapArtifact(
            "k3s-airgap-images-amd64.tar.zst", "images", tmp_path / "k3s-airgap-images-amd64.tar.zst"
        ),
    ]
    files = _files(HOST_GW, airgap=arts)
    assert {"airgap/k3s", "airgap/k3s-install.sh", "airgap/k3s-airgap-images-amd64.tar.zst"} <= set(files)
    assert files["airgap/k3s"].source == tmp_path / "k3s" and files["airgap/k3s"].mode == 0o755
    assert _yaml(files[ra.CLUSTER_VARS])["airgap_dir"] == "{{ inventory_dir }}/airgap"
    assert "airgap_dir" not in _yaml(_files(HOST_GW)[ra.CLUSTER_VARS])


def test_re_export_keeps_user_files_and_drops_stale_generated_ones(tmp_path: Path) -> None:
    out = tmp_path / "k3s"
    write_export(out, ra.render_ansible(BIG))
    assert (out / ra.WRAPPER).is_file()
    conn = out / ra.CONNECTION_VARS
    conn.write_text("ansible_user: me\n")
    (out / ra.VAULT_VARS).write_text("$ANSIBLE_VAULT;1.1;AES256\n...")
    (out / "host_vars").mkdir()
    (out / "host_vars/srv1.yml").write_text("ansible_port: 2222\n")
    removed = write_export(out, ra.render_ansible(HOST_GW))  # no node files now: no wrapper
    assert ra.WRAPPER in removed and not (out / ra.WRAPPER).exists()
    assert conn.read_text() == "ansible_user: me\n"
    assert (out / ra.VAULT_VARS).read_text().startswith("$ANSIBLE_VAULT")
    assert (out / "host_vars/srv1.yml").is_file()
    assert "ag01" not in (out / ra.INVENTORY).read_text()
    other = tmp_path / "other"
    other.mkdir()
    (other / "mine.txt").write_text("x")
    with pytest.raises(WriteRefused, match="holds no k3stui export"):
        write_export(other, ra.render_ansible(HOST_GW))


def test_render_ansible_command_airgap_checks_the_binary(monkeypatch, tmp_path: Path, capsys) -> None:
    from k3stui.cli import build_parser
    from k3stui.commands import render
    from k3stui.findings import InputError

    monkeypatch.setattr("k3stui.commands.check.check_inputs", lambda _a: (HOST_GW, []))
    arts = tmp_path / "arts"
    arts.mkdir()
    (arts / "k3s").write_bytes(b"\x7fELF...pkg/version.Version=v1.30.0+k3s1...")
    (arts / "k3s-airgap-images-amd64.tar").write_bytes(b"img")

    def run(*argv: str) -> int:
        return render.run(build_parser().parse_args(["render", *argv]))

    with pytest.raises(InputError, match=r"is K3s v1.30.0\+k3s1 but the plan is for v1.34.3\+k3s1"):
        run("--ansible", str(tmp_path / "out"), "--airgap", str(arts), "--k3s-version", "v1.34.3+k3s1")
    assert not (tmp_path / "out").exists()
    assert (
        run("--ansible", str(tmp_path / "out"), "--airgap", str(arts), "--k3s-version", "v1.30.0+k3s1") == 0
    )
    assert (tmp_path / "out/airgap/k3s").is_file()
    assert "k3s-ansible downloads one" in capsys.readouterr().err
    assert run("--airgap", str(arts), "--out", str(tmp_path / "x")) == 2  # --airgap goes with --ansible


# --- the real ansible-core (optional: pip install '.[ansible]') ---------------------------


def _ansible_bin(name: str) -> str | None:
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.is_file() else shutil.which(name)


needs_ansible = pytest.mark.skipif(
    _ansible_bin("ansible-inventory") is None, reason="ansible-core not installed (pip install '.[ansible]')"
)


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    out = tmp_path / "export"
    write_export(out, ra.render_ansible(BIG_CALICO, chart_files=chart_export_files(BIG_CALICO)))
    return out


def _ansible(tmp_path: Path, *argv: str, cwd: Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"),
        "ANSIBLE_COLLECTIONS_PATH": str(tmp_path / "collections"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
        "ANSIBLE_DEPRECATION_WARNINGS": "False",
    }
    cmd = [_ansible_bin(argv[0]) or argv[0], *argv[1:]]
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert (done.returncode == 0) is ok, done.stdout + done.stderr
    return done


@needs_ansible
def test_ansible_inventory_lists_the_groups_and_hosts(exported: Path, tmp_path: Path) -> None:
    data = json.loads(
        _ansible(tmp_path, "ansible-inventory", "-i", "inventory.yml", "--list", cwd=exported).stdout
    )
    assert set(data["k3s_cluster"]["children"]) == {"server", "agent"}
    assert data["server"]["hosts"] == ["srv1", "srv2", "srv3"] and len(data["agent"]["hosts"]) == 20
    hostvars = data["_meta"]["hostvars"]
    assert (
        hostvars["srv2"]["ansible_host"] == "10.0.0.12" and hostvars["ag01"]["k3s_version"] == "v1.34.3+k3s1"
    )
    assert hostvars["srv1"]["extra_manifests"] == ["{{ inventory_dir }}/manifests/k3s-cni.yaml"]
    assert "extra_manifests" not in hostvars["ag01"]  # agents get no auto-deploy manifest


@needs_ansible
def test_the_real_jinja_combine_gives_each_host_its_settings(exported: Path, tmp_path: Path) -> None:
    # The user's vault file (plain here) defines the secret the export only refers to.
    (exported / ra.VAULT_VARS).write_text("k3stui_agent_token: from-the-vault\n")
    out = _ansible(
        tmp_path,
        "ansible",
        "all",
        "-i",
        "inventory.yml",
        "-c",
        "local",
        "-m",
        "ansible.builtin.debug",
        "-a",
        "msg={{ {'server': server_config_yaml | from_yaml, 'agent': agent_config_yaml | from_yaml,"
        " 'cidr': (server_config_yaml | from_yaml)['cluster-cidr'] | split(','),"
        " 'manifests': extra_manifests | default([])} }}",
        cwd=exported,
    )
    results = {host: r["msg"] for host, r in _debug_results(out.stdout).items()}
    assert len(results) == 23
    for node in BIG_CALICO.nodes:
        got = results[node.name]
        want = ra.combined_settings(BIG_CALICO, node)
        if node.role == "server":
            want["agent-token"] = "from-the-vault"
        assert got[node.role] == want
        assert got["cidr"] == ["10.42.0.0/16", "fd00:42::/56"]  # what k3s-ansible's firewall tasks do
        manifests = [str(exported / "manifests/k3s-cni.yaml")] if node.role == "server" else []
        assert got["manifests"] == manifests


def _debug_results(stdout: str) -> dict[str, dict]:
    """`host | SUCCESS => {json}` per host, as ansible's ad-hoc (minimal) output prints it."""
    import re

    decoder = json.JSONDecoder()
    return {
        m.group(1): decoder.raw_decode(stdout, m.end())[0]
        for m in re.finditer(r"^(\S+) \| SUCCESS => ", stdout, re.MULTILINE)
    }


@needs_ansible
def test_the_wrapper_passes_syntax_check_against_a_stub_collection(exported: Path, tmp_path: Path) -> None:
    check = ("ansible-playbook", "--syntax-check", "-i", "inventory.yml", "site.yml")
    missing = _ansible(tmp_path, *check, cwd=exported, ok=False)  # no collection yet: the import fails
    assert "k3s.orchestration.site" in missing.stdout + missing.stderr
    stub = tmp_path / "collections/ansible_collections/k3s/orchestration"
    (stub / "playbooks").mkdir(parents=True)
    (stub / "meta").mkdir()
    (stub / "meta/runtime.yml").write_text("requires_ansible: '>=2.15'\n")
    (stub / "galaxy.yml").write_text(
        "namespace: k3s\nname: orchestration\nversion: 0.0.0\nreadme: README.md\nauthors: [k3stui tests]\n"
    )
    (stub / "playbooks/site.yml").write_text(
        yaml.safe_dump(
            [
                {
                    "name": "stub of k3s-ansible's site.yml",
                    "hosts": "k3s_cluster",
                    "gather_facts": False,
                    "tasks": [{"ansible.builtin.debug": {"msg": "{{ server_config_yaml | from_yaml }}"}}],
                }
            ]
        )
    )
    _ansible(tmp_path, *check, cwd=exported)


EVIL = "{{ lookup('pipe', 'touch PWNED') }}"
IFACE = "{% if 1 %}eth9{% endif %}"
HOSTILE = replace(HOST_GW, extra={"node-label": [f"team={EVIL}"]},
                  nodes=(HOST_GW.nodes[0], replace(HOST_GW.nodes[1], flannel_iface=IFACE)))


def test_plan_values_that_look_like_jinja_are_never_templated() -> None:
    files = _files(HOSTILE)
    for path in (ra.CLUSTER_VARS, ra.INVENTORY):
        assert "!unsafe" in files[path].content.decode()
    group = _yaml(files[ra.CLUSTER_VARS])
    assert group[ra.SERVER_DATA]["node-label"] == [f"team={EVIL}"]
    assert "!unsafe" not in group["server_config_yaml"]  # k3stui's own expressions stay live


@needs_ansible
def test_ansible_does_not_evaluate_hostile_plan_values(tmp_path: Path) -> None:
    out = tmp_path / "export"
    write_export(out, ra.render_ansible(HOSTILE))
    done = _ansible(tmp_path, "ansible", "all", "-i", "inventory.yml", "-c", "local", "-m",
                    "ansible.builtin.debug", "-a", "msg={{ server_config_yaml | from_yaml }}", cwd=out)
    results = {host: r["msg"] for host, r in _debug_results(done.stdout).items()}
    assert results["srv1"]["node-label"] == [f"team={EVIL}"]
    assert results["ag1"]["flannel-iface"] == IFACE
    assert not list(tmp_path.rglob("PWNED"))


def test_an_unwritable_ansible_folder_is_a_clear_input_error(monkeypatch, tmp_path: Path) -> None:
    from k3stui.cli import build_parser
    from k3stui.commands import render
    from k3stui.findings import InputError

    monkeypatch.setattr("k3stui.commands.check.check_inputs", lambda _a: (HOST_GW, []))
    (tmp_path / "file").write_text("")
    with pytest.raises(InputError, match=r"cannot write the k3s-ansible folder.*another --ansible DIR"):
        render.run(build_parser().parse_args(["render", "--ansible", str(tmp_path / "file" / "x")]))


def test_inventory_gives_back_the_nodes_for_doctor() -> None:
    for plan in (BIG, HOST_GW, HOSTILE):
        assert tuple(ra.inventory_nodes(_yaml(_files(plan)[ra.INVENTORY]))) == plan.nodes
    by_hand = {"k3s_cluster": {"children": {"server": {"hosts": {"s1": None}},
                                            "agent": {"hosts": {"a1": {"ansible_host": "10.0.0.9"}}}}}}
    assert ra.inventory_nodes(by_hand) == [Node("s1", "s1", "server"), Node("a1", "10.0.0.9", "agent")]
    with pytest.raises(ValueError, match="no k3s_cluster group"):
        ra.inventory_nodes({"all": {}})
