"""`run_actions` in a --root sandbox with the fake install.sh: the exact environment per preset
and role, files in place with their modes, secrets kept out of every printable form, and hostile
values that never reach a shell."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from installkit import (
    ALLOWED_OTHER_ENV,
    SERVER_URL,
    TOKEN,
    agent_plan,
    expected_env,
    install,
    install_env,
    place_agent_token,
    prepare,
    presets,
    recorded_env,
    snapshot,
    token_plan,
)

from k3stui.install.actions import describe
from k3stui.plan import Plan, with_value

PRESETS = presets()


def _for_role(plan: Plan, role: str, root: Path) -> Plan:
    if role == "agent":
        place_agent_token(root)
        return agent_plan(plan)
    return plan


@pytest.mark.parametrize("role", ["server", "agent"])
@pytest.mark.parametrize(("name", "plan"), PRESETS, ids=[n for n, _ in PRESETS])
def test_exact_environment_per_preset_and_role(name, plan, role, sandbox, script):
    plan = _for_role(plan, role, sandbox)
    actions, result, lines = install(plan, role, sandbox, script)
    assert result.ok, (result.message, [f.message for f in actions.findings])
    env = recorded_env(script)
    assert install_env(env) == expected_env(plan, role, sandbox)
    assert set(env) - set(install_env(env)) <= ALLOWED_OTHER_ENV
    assert (script.parent / "record.argv").read_text() == ""  # flags live in the drop-in, not argv
    for f in actions.files:
        target = Path(f.target)
        assert target.read_bytes() == f.content
        assert stat.S_IMODE(target.stat().st_mode) == f.mode
    assert any("fake install.sh: done" in line for line in lines)  # streamed line by line
    assert (sandbox / "usr/local/bin/k3s").is_file()  # the script ran with INSTALL_K3S_BIN_DIR


def test_with_version_the_script_gets_it(sandbox, script):
    plan = replace(Plan(), k3s_version="v1.31.4+k3s1")
    _, result, _ = install(plan, "server", sandbox, script)
    assert result.ok
    assert recorded_env(script)["INSTALL_K3S_VERSION"] == "v1.31.4+k3s1"


def test_server_gets_manifest_agent_does_not(sandbox, script):
    plan = dict(PRESETS)["cilium"]
    _, result, _ = install(plan, "server", sandbox, script)
    assert result.ok
    manifest = sandbox / "var/lib/rancher/k3s/server/manifests/k3s-cni.yaml"
    assert manifest.is_file() and stat.S_IMODE(manifest.stat().st_mode) == 0o600
    place_agent_token(sandbox)
    agent = prepare(agent_plan(plan), "agent", sandbox, script)
    assert not [f for f in agent.files if "manifests" in f.dest]


def test_token_is_never_shown_and_only_written_0600(sandbox, script):
    plan = token_plan(agent_plan(Plan()))
    actions, result, lines = install(plan, "agent", sandbox, script)
    assert result.ok, result.message
    env = recorded_env(script)
    assert TOKEN not in "\n".join(env.values())
    assert "K3S_TOKEN" not in env
    holding = [f for f in actions.files if f.content and TOKEN.encode() in f.content]
    assert holding, "the drop-in carries the token"
    for f in holding:
        assert stat.S_IMODE(Path(f.target).stat().st_mode) == 0o600
    shown = describe(actions) + "\n".join(lines) + result.message + repr(actions)
    assert TOKEN not in shown
    assert "********" in describe(actions)
    for log in (sandbox / "var/log").glob("k3stui-install-*.log"):
        assert TOKEN not in log.read_text()
        assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_old_token_in_a_replaced_file_is_masked_in_the_diff(sandbox, script):
    dropin = sandbox / "etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml"
    dropin.parent.mkdir(parents=True)
    dropin.write_text("token: an-old-secret-nobody-knows\n")
    text = describe(prepare(Plan(), "server", sandbox, script))
    assert "an-old-secret-nobody-knows" not in text
    assert "-token: ********" in text


HOSTILE = ["$(touch {c})", "`touch {c}`", "x'; touch {c}; '", 'a"; touch {c}; "', "a\ntouch {c}\n"]


@pytest.mark.parametrize("pattern", HOSTILE)
def test_hostile_values_reach_no_shell(pattern, sandbox, script, tmp_path):
    canary = tmp_path / "canary"
    hostile = pattern.format(c=canary)
    plan = agent_plan(Plan())
    plan = replace(plan, server=f"{SERVER_URL}/{hostile}", k3s_version=f"v1.31.4+k3s1{hostile}")
    plan = with_value(plan, "flannel.iface", hostile)
    plan = replace(plan, extra={"node-name": hostile, "node-label": [hostile]})
    place_agent_token(sandbox)
    actions, result, _ = install(plan, "agent", sandbox, script)
    describe(actions)
    assert not canary.exists()
    assert not (Path.cwd() / "canary").exists()
    if result.ok:  # the value arrives verbatim, as data
        env = (script.parent / "record.env").read_text()
        assert hostile.split("\n")[0] in env


def test_unchanged_files_are_not_rewritten(sandbox, script):
    plan = dict(PRESETS)["flannel-host-gw"]
    _, first, _ = install(plan, "server", sandbox, script)
    assert first.ok
    actions, second, lines = install(plan, "server", sandbox, script)
    assert second.ok
    assert all(not f.changed for f in actions.files)
    assert not list(sandbox.rglob("*.bak"))
    assert any(line.startswith("unchanged: ") for line in lines)


def test_replaced_files_are_backed_up(sandbox, script):
    dropin = sandbox / "etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml"
    dropin.parent.mkdir(parents=True)
    dropin.write_text("# mine\n")
    os.chmod(dropin, 0o640)
    actions, result, _ = install(Plan(), "server", sandbox, script)
    assert result.ok
    backups = list(dropin.parent.glob("50-k3stui-network.yaml.k3stui-*.bak"))
    assert len(backups) == 1
    assert backups[0].read_text() == "# mine\n"
    assert stat.S_IMODE(backups[0].stat().st_mode) == 0o640
    f = next(f for f in actions.files if f.dest.endswith("50-k3stui-network.yaml"))
    assert f.existed and "-# mine" in f.diff


def test_sysctl_is_written_but_not_applied_under_root(sandbox, script):
    plan = dict(PRESETS)["ipv6-only"]
    actions, result, lines = install(plan, "server", sandbox, script)
    assert result.ok
    assert (sandbox / "etc/sysctl.d/90-k3stui-network.conf").is_file()
    sysctl = next(c for c in actions.commands if c.kind == "sysctl")
    assert sysctl.argv == ("sysctl", "-p", "/etc/sysctl.d/90-k3stui-network.conf")
    assert sysctl.skip and "--root" in sysctl.skip
    assert any(line.startswith("skipped apply the sysctl drop-in") for line in lines)


def test_dry_run_describes_and_changes_nothing(sandbox, script):
    plan = dict(PRESETS)["cilium"]
    before = snapshot(sandbox, ignore_logs=False)
    text = describe(prepare(plan, "server", sandbox, script))
    assert snapshot(sandbox, ignore_logs=False) == before
    assert "/etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml" in text
    assert "+flannel-backend: none" in text
    assert f"INSTALL_K3S_BIN_DIR={sandbox}/usr/local/bin" in text
    assert "dry run: nothing was changed" in text
    assert max(len(line) for line in text.splitlines()) < 400  # the embedded chart is clipped


def test_agent_without_server_url_is_refused(sandbox, script):
    actions = prepare(with_value(Plan(), "role", "agent"), "agent", sandbox, script)
    assert actions.refused
    assert any(f.code == "INST090" for f in actions.findings)


def test_plain_http_server_url_is_refused(sandbox, script):
    place_agent_token(sandbox)
    plan = replace(agent_plan(Plan()), server="http://10.0.0.1:6443")
    actions = prepare(plan, "agent", sandbox, script)
    assert any(f.code == "INST091" for f in actions.findings)


def test_mask_hides_known_secrets_and_token_looking_keys():
    from k3stui.install.actions import mask

    text = (
        "token: abc\n+agent-token: 'def'\nK3S_TOKEN=ghi\ntoken-file: /etc/t\nK3S_TOKEN_FILE=/etc/t\n"
        "x: s3cr3t\n"
    )
    assert mask(text, ["s3cr3t"]) == (
        "token: ********\n+agent-token: '********'\nK3S_TOKEN=********\ntoken-file: /etc/t\n"
        "K3S_TOKEN_FILE=/etc/t\nx: ********\n"
    )


def test_a_log_that_cannot_be_written_is_said_not_pretended(sandbox, script):
    import shutil

    log_dir = sandbox / "var" / "log"
    shutil.rmtree(log_dir, ignore_errors=True)
    log_dir.parent.mkdir(parents=True, exist_ok=True)
    log_dir.write_text("a file where the log folder would go")
    _, result, lines = install(Plan(), "server", sandbox, script)
    assert result.ok
    assert "no log file" in result.message and "; log: " not in result.message
    assert any(line.startswith("note: no log file") for line in lines)
