"""render_all: layout, modes, manifest, README, chart seam."""

from __future__ import annotations

import hashlib
import json

import pytest

from k3stui.plan import Cni, Flannel, Node, Plan, Secret
from k3stui.render.files import DROPIN_NODE_PATH, ChartExport, RenderedFile, render_all

SEED_HOST_GW = Plan(flannel=Flannel(backend="host-gw", iface="ens33"), token_file="/etc/tok",
                    nodes=(Node("server", "10.0.0.30", "server"), Node("agent", "10.0.0.31")))


def _by_path(plan: Plan, **kw) -> dict[str, RenderedFile]:
    return {f.path: f for f in render_all(plan, **kw)}


def test_default_layout() -> None:
    files = _by_path(SEED_HOST_GW)
    for role in ("server", "agent"):
        dropin = files[f"{role}{DROPIN_NODE_PATH}"]
        assert dropin.dest == DROPIN_NODE_PATH and dropin.mode == 0o600 and dropin.roles == (role,)
        assert files[f"{role}/install.sh"].mode == 0o755
    assert {"README.md", "manifest.json"} <= set(files)
    assert not any("net-conf" in p or "sysctl" in p for p in files)


def test_netconf_and_sysctl_under_each_role_when_needed() -> None:
    plan = Plan(flannel=Flannel(direct_routing=True), accept_ra=2, server="https://s:6443")
    files = _by_path(plan)
    for role in ("server", "agent"):
        node_path = "/etc/rancher/k3s/flannel-net-conf.json"
        assert files[f"{role}{node_path}"].dest == node_path
        assert files[f"{role}/etc/sysctl.d/90-k3stui-network.conf"].mode == 0o644


def test_manifest_lists_every_other_file_with_sha256() -> None:
    files = render_all(SEED_HOST_GW)
    assert files[-1].path == "manifest.json"
    entries = {e["path"]: e for e in json.loads(files[-1].content)["files"]}
    assert set(entries) == {f.path for f in files[:-1]}
    for f in files[:-1]:
        e = entries[f.path]
        assert e["sha256"] == hashlib.sha256(f.content).hexdigest()
        assert e["mode"] == f"{f.mode:04o}" and e["dest"] == f.dest and e["roles"] == list(f.roles)


def test_readme_names_every_file_and_where_it_goes() -> None:
    files = _by_path(SEED_HOST_GW)
    readme = files["README.md"].content.decode()
    for f in files.values():
        if f.path not in ("manifest.json", "README.md"):  # the README's intro names both
            assert f"`{f.path}`" in readme
    assert DROPIN_NODE_PATH in readme


def test_agent_install_is_skipped_with_a_note_when_no_server_is_known() -> None:
    files = _by_path(Plan())
    assert "agent/install.sh" not in files
    assert "server URL" in files["README.md"].content.decode()


def test_plan_yaml_leaves_the_token_out() -> None:
    files = _by_path(Plan(token=Secret("tok-9f3e"), server="https://s:6443"))
    assert b"tok-9f3e" not in files["plan.yaml"].content
    assert b"tok-9f3e" in files[f"agent{DROPIN_NODE_PATH}"].content  # literal token: 0600 drop-in
    assert files[f"agent{DROPIN_NODE_PATH}"].mode == 0o600


def test_chart_files_are_included_in_the_manifest() -> None:
    chart_file = RenderedFile("chart/values.yaml", None, 0o644, (), b"x: 1\n", "values")
    files = render_all(Plan(cni=Cni(kind="cilium")), chart=ChartExport([chart_file]))
    manifest = json.loads(files[-1].content)
    assert "chart/values.yaml" in [e["path"] for e in manifest["files"]]


def test_install_sh_places_the_chart_manifest_on_servers() -> None:
    dest = "/var/lib/rancher/k3s/server/manifests/k3s-cni.yaml"
    manifest = RenderedFile(f"server{dest}", dest, 0o600, ("server",), b"kind: HelmChart\n", "auto-deploy")
    files = _by_path(Plan(cni=Cni(kind="calico")), chart=ChartExport([manifest]))
    assert f"{dest}" in files["server/install.sh"].content.decode()
    assert "k3s-cni" not in files[f"agent{DROPIN_NODE_PATH}"].content.decode()


def test_relative_or_escaping_netconf_path_is_refused() -> None:
    for bad in ("etc/net-conf.json", "/etc/../../x.json"):
        with pytest.raises(ValueError, match="absolute"):
            render_all(Plan(flannel=Flannel(direct_routing=True, conf=bad)))


def test_old_k3s_without_drop_ins_gets_a_note() -> None:
    readme = _by_path(Plan(k3s_version="v1.20.4+k3s1"))["README.md"].content.decode()
    assert "config.yaml.d" in readme and "Read first" in readme
