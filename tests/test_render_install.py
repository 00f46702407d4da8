"""Install commands: data complete on its own; install.sh inert for hostile values."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from k3stui.fsio import write_tree
from k3stui.plan import Flannel, Node, Plan, Secret
from k3stui.render.files import render_all
from k3stui.render.install_cmd import airgap_liner, install_command, install_script, one_liner
from k3stui.versions import NEWEST_KNOWN

HOSTILE = "$(touch PWNED)`touch PWNED2`'\"\n;touch PWNED3"


def test_server_command_is_role_only() -> None:
    cmd = install_command(Plan(k3s_version="v1.30.6+k3s1", cluster_cidr=("10.52.0.0/16",)), "server")
    assert cmd.env == {"INSTALL_K3S_EXEC": "server", "INSTALL_K3S_VERSION": "v1.30.6+k3s1"}
    assert cmd.args == []


def test_agent_command_has_url_and_token_file_never_the_token() -> None:
    plan = Plan(role="agent", server="https://10.0.0.51:6443", token=Secret("tok-9f3e"), token_file="/etc/t")
    cmd = install_command(plan, "agent", k3s_version="v1.21.14+k3s1")
    assert cmd.env == {"INSTALL_K3S_EXEC": "agent", "INSTALL_K3S_VERSION": "v1.21.14+k3s1",
                       "K3S_URL": "https://10.0.0.51:6443", "K3S_TOKEN_FILE": "/etc/t"}
    assert "tok-9f3e" not in install_script(cmd)


def test_the_version_the_plan_was_judged_for_is_always_pinned() -> None:
    """Rules judge a plan without a version by the newest known K3s: install exactly that one, not
    whatever the channel calls stable on install day; --k3s-version (the caller) wins."""
    from k3stui.render.install_cmd import judged_version

    assert judged_version(Plan()) == NEWEST_KNOWN
    plan = Plan(k3s_version="v1.30.6+k3s1")
    assert judged_version(plan) == "v1.30.6+k3s1"
    assert judged_version(plan, "v1.31.2+k3s1") == "v1.31.2+k3s1"
    files = {f.path: f for f in render_all(Plan(nodes=(Node("s", "10.0.0.30", "server"),)))}
    for role in ("server", "agent"):
        text = files[f"{role}/install.sh"].content.decode()
        assert f"INSTALL_K3S_VERSION={NEWEST_KNOWN}" in text and "checked against (pinned" in text
    readme = files["README.md"].content.decode()
    assert f"installs K3s {NEWEST_KNOWN}" in readme and f"INSTALL_K3S_VERSION={NEWEST_KNOWN}" in readme
    text = {f.path: f for f in render_all(plan, k3s_version="v1.31.2+k3s1")}["server/install.sh"].content
    assert b"INSTALL_K3S_VERSION=v1.31.2+k3s1" in text


def test_literal_token_plan_keeps_the_token_out_of_the_environment() -> None:
    cmd = install_command(Plan(server="https://s:6443", token=Secret("rancher")), "agent")
    assert "rancher" not in str(cmd.env) and "K3S_TOKEN" not in cmd.env


def test_agent_without_server_url_is_refused() -> None:
    with pytest.raises(ValueError, match="server URL"):
        install_command(Plan(), "agent")


def test_one_liners() -> None:
    cmd = install_command(Plan(nodes=(Node("s", "10.0.0.30", "server"),)), "agent")
    assert one_liner(cmd) == ("curl -sfL https://get.k3s.io | INSTALL_K3S_EXEC=agent "
                              "K3S_URL=https://10.0.0.30:6443 "
                              "K3S_TOKEN_FILE=/etc/rancher/k3s/k3stui-agent-token sh -s -")
    assert airgap_liner(cmd).startswith("INSTALL_K3S_EXEC=agent ")
    assert airgap_liner(cmd).endswith(" INSTALL_K3S_SKIP_DOWNLOAD=true ./install.sh")
    assert install_command(Plan(), "server", airgap=True).env["INSTALL_K3S_SKIP_DOWNLOAD"] == "true"


def _hostile_plan() -> Plan:
    return Plan(
        role="agent", server="https://x" + HOSTILE, token_file="/etc/t" + HOSTILE,
        k3s_version="v1.30.6+k3s1" + HOSTILE, node_ip=("10.0.0.31" + HOSTILE,),
        flannel=Flannel(iface="eth0" + HOSTILE, direct_routing=True,
                        conf="/etc/k3s-" + HOSTILE.replace("\n", "")),
        accept_ra=2,
    )


def _only_quoted(text: str, value: str) -> None:
    assert shlex.quote(value) in text
    assert value not in text.replace(shlex.quote(value), ""), "value appears unquoted"


@pytest.mark.parametrize("role", ["server", "agent"])
def test_hostile_values_are_quoted_and_bash_accepts_the_script(role: str, tmp_path: Path) -> None:
    plan = _hostile_plan()
    files = {f.path: f for f in render_all(plan)}
    text = files[f"{role}/install.sh"].content.decode()
    script = tmp_path / "install.sh"
    script.write_text(text)
    subprocess.run(["bash", "-n", str(script)], check=True)
    if shutil.which("dash"):
        subprocess.run(["dash", "-n", str(script)], check=True)
    for value in (plan.k3s_version, plan.flannel.conf):
        _only_quoted(text, value)
    if role == "agent":
        _only_quoted(text, plan.server)
        _only_quoted(text, plan.token_file)
    # node-ip and iface live in the dumped YAML only, never in shell text
    assert "10.0.0.31" not in text and "eth0" not in text


def test_hostile_script_copies_files_literally_and_runs_nothing(tmp_path: Path) -> None:
    out, root, cwd = tmp_path / "out", tmp_path / "root", tmp_path / "cwd"
    cwd.mkdir()
    files = render_all(_hostile_plan())
    write_tree(out, files)
    env = {"PATH": os.environ["PATH"], "K3STUI_ROOT": str(root), "HOME": str(cwd)}
    res = subprocess.run(["bash", str(out / "agent" / "install.sh")], cwd=cwd, env=env,
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    assert "K3s not installed" in res.stdout
    assert not list(tmp_path.rglob("PWNED*")), "a hostile value was executed"
    for f in files:
        if f.dest and "agent" in f.roles:
            placed = root / f.dest.lstrip("/")
            assert placed.read_bytes() == f.content
            assert placed.stat().st_mode & 0o777 == f.mode
