"""`k3stui render` wiring: refuse plans with errors, write with fsio, merge with backup and diff.
The plan comes from a stubbed `check_inputs` so these tests do not depend on input parsing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from k3stui.cli import build_parser
from k3stui.commands import render
from k3stui.findings import error, warning
from k3stui.plan import Flannel, Node, Plan, Secret

Capture = pytest.CaptureFixture[str]
PLAN = Plan(flannel=Flannel(backend="host-gw", iface="ens33"), token_file="/etc/tok",
            nodes=(Node("server", "10.0.0.30", "server"), Node("agent", "10.0.0.31")))


@pytest.fixture
def plan_is(monkeypatch: pytest.MonkeyPatch):
    def set_plan(plan: Plan, findings: list | None = None) -> None:
        monkeypatch.setattr("k3stui.commands.check.check_inputs", lambda _args: (plan, findings or []))
    set_plan(PLAN)
    return set_plan


def _run(*argv: str) -> int:
    return render.run(build_parser().parse_args(["render", *argv]))


def test_out_writes_every_file(plan_is, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert _run("--out", str(out)) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    for entry in manifest["files"]:
        assert (out / entry["path"]).is_file()
    said = capsys.readouterr().out
    assert f"Wrote {len(manifest['files']) + 1} files to {out}/" in said
    assert "-> /etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml" in said


def test_non_empty_out_is_refused(plan_is, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x").write_text("x")
    assert _run("--out", str(tmp_path)) == 2
    assert "not empty" in capsys.readouterr().err
    assert _run("--out", str(tmp_path), "--force") == 0


def test_plan_with_errors_is_not_rendered(plan_is, tmp_path: Path, capsys: Capture) -> None:
    plan_is(PLAN, [error("CIDR001", "cluster-cidr", "broken"), warning("W1", "x", "meh")])
    assert _run("--out", str(tmp_path / "out")) == 1
    assert not (tmp_path / "out").exists()
    captured = capsys.readouterr()
    assert "broken" in captured.out and "nothing rendered" in captured.err


def test_usage_problems_exit_2(plan_is, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run() == 2
    assert _run("--out", "x", "--dry-run") == 2
    assert "--merge-into" in capsys.readouterr().err


def test_explain_prints_routes(plan_is, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("--explain") == 0
    assert "10.42.1.0/24 via 10.0.0.31 dev ens33" in capsys.readouterr().out


def test_merge_into_backs_up_and_shows_the_diff(plan_is, tmp_path: Path, capsys: Capture) -> None:
    cfg = tmp_path / "config.yaml"
    original = "# mine\nflannel-iface: eth0  # old\ndisable: [traefik]\n"
    cfg.write_text(original)
    cfg.chmod(0o640)
    assert _run("--merge-into", str(cfg), "--dry-run") == 0
    assert cfg.read_text() == original and "+flannel-iface: ens33" in capsys.readouterr().out
    assert _run("--merge-into", str(cfg)) == 0
    said = capsys.readouterr().out
    assert cfg.read_text() == ("# mine\nflannel-iface: ens33 # old\ndisable: [traefik]\n"
                               "flannel-backend: host-gw\ntoken-file: /etc/tok\n")
    assert cfg.stat().st_mode & 0o777 == 0o640
    backups = list(tmp_path.glob("config.yaml.k3stui-*.bak"))
    assert len(backups) == 1 and backups[0].read_text() == original
    assert str(backups[0]) in said
    assert _run("--merge-into", str(cfg)) == 0
    assert "nothing to change" in capsys.readouterr().out


def test_merge_agent_role_and_token_is_redacted(plan_is, tmp_path: Path, capsys: Capture) -> None:
    plan_is(Plan(server="https://10.0.0.30:6443", token=Secret("tok-9f3e")))
    cfg = tmp_path / "agent.yaml"
    assert _run("--merge-into", str(cfg), "--role", "agent") == 0
    assert "tok-9f3e" not in capsys.readouterr().out
    assert "token: tok-9f3e" in cfg.read_text() and cfg.stat().st_mode & 0o777 == 0o600
    shared = tmp_path / "shared.yaml"
    shared.write_text("a: 1\n")
    shared.chmod(0o644)
    assert _run("--merge-into", str(shared), "--role", "agent") == 0
    assert shared.stat().st_mode & 0o777 == 0o600


def test_end_to_end_through_the_cli(tmp_path: Path) -> None:
    from k3stui.cli import main

    out = tmp_path / "out"
    rc = main(["render", "--exec", "server --flannel-backend=host-gw", "--out", str(out), "--no-chart"])
    assert rc == 0
    dropin = out / "server/etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml"
    assert "flannel-backend: host-gw" in dropin.read_text()


# --- issue 15: the merge never prints a secret, never loses the user's file ------------------------

def test_merge_diff_masks_old_new_and_escaped_secrets(plan_is, tmp_path: Path, capsys: Capture) -> None:
    plan_is(Plan(token=Secret("NEW'tk\"x"), extra={"agent-token": "NEWagent", "vpn-auth": "joinKey=NEWvpn",
                                                  "datastore-endpoint": "postgres://u:NEWpw@db/k3s"}))
    cfg = tmp_path / "config.yaml"
    cfg.write_text('token: OLDtok\nagent-token: "OLD\\x41gent"\nvpn-auth: |\n  joinKey=OLDvpn\n'
                   "etcd-s3-secret-key: 'OLD''s3'\n")
    assert _run("--merge-into", str(cfg), "--dry-run") == 0
    said = capsys.readouterr().out
    for leak in ("OLD", "NEW", "tk", "x\""):
        assert leak not in said, said
    # Only network keys are k3stui's to write (issue 11 item 9): agent-token, vpn-auth and
    # datastore-endpoint stay as the user wrote them; the token changes, unseen.
    assert "secret values change (not shown): token" in said


def test_only_a_secret_changes_says_so_without_showing_it(plan_is, tmp_path: Path, capsys: Capture) -> None:
    plan_is(Plan(token=Secret("NEWtok")))
    cfg = tmp_path / "config.yaml"
    cfg.write_text("token: OLDtok\n")
    assert _run("--merge-into", str(cfg), "--dry-run") == 0
    said = capsys.readouterr().out
    assert "secret values change (not shown): token" in said and "OLD" not in said and "NEW" not in said


@pytest.mark.parametrize("key", ["agent-token", "vpn-auth", "etcd-s3-secret-key"])
def test_any_secret_key_tightens_the_file(key: str, plan_is, tmp_path: Path, capsys: Capture) -> None:
    # The user's file holds the secret; the merge changes a network key beside it and must not leave
    # the file (or its backup) readable by others.
    plan_is(Plan(service_node_port_range="30000-32000"))
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"node-ip: 10.0.0.5\n{key}: s3cret\n")
    cfg.chmod(0o644)
    assert _run("--merge-into", str(cfg)) == 0
    assert cfg.stat().st_mode & 0o777 == 0o600
    assert [b.stat().st_mode & 0o777 for b in tmp_path.glob("*.bak")] == [0o600]
    said = capsys.readouterr().out
    assert key in said and "s3cret" not in said


def test_a_critical_change_is_refused_exit_2(plan_is, tmp_path: Path, capsys: Capture) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text("flannel-backend: vxlan\n")
    with pytest.raises(Exception, match="critical values cannot change") as exc:
        _run("--merge-into", str(cfg))
    assert getattr(exc.value, "exit_code", None) == 2 and cfg.read_text() == "flannel-backend: vxlan\n"


def test_a_symlink_stays_a_link_and_its_target_is_updated(plan_is, tmp_path: Path) -> None:
    real = tmp_path / "real" / "config.yaml"
    real.parent.mkdir()
    real.write_text("node-ip: 10.0.0.5\r\n")
    link = tmp_path / "config.yaml"
    link.symlink_to(real)
    assert _run("--merge-into", str(link)) == 0
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert real.read_bytes().startswith(b"node-ip: 10.0.0.5\r\nflannel-backend: host-gw\r\n")


def test_crlf_and_bom_survive_a_merge(plan_is, tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_bytes("\ufeff# mine\r\nnode-ip: 10.0.0.5\r\n".encode())
    assert _run("--merge-into", str(cfg)) == 0
    assert cfg.read_bytes() == ("\ufeff# mine\r\nnode-ip: 10.0.0.5\r\nflannel-backend: host-gw\r\n"
                                "flannel-iface: ens33\r\ntoken-file: /etc/tok\r\n").encode()


def test_a_file_changed_between_read_and_replace_is_not_overwritten(
        plan_is, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from k3stui.render import merge as merge_module

    cfg = tmp_path / "config.yaml"
    cfg.write_text("node-ip: 10.0.0.5\n")
    real_merge = merge_module.merge

    def merge_while_someone_edits(*a: object, **kw: object) -> object:
        result = real_merge(*a, **kw)  # type: ignore[arg-type]
        cfg.write_text("node-ip: 10.0.0.6\n")  # another editor saves meanwhile
        return result

    monkeypatch.setattr(merge_module, "merge", merge_while_someone_edits)
    with pytest.raises(Exception, match="changed while") as exc:
        _run("--merge-into", str(cfg))
    assert getattr(exc.value, "exit_code", None) == 2 and cfg.read_text() == "node-ip: 10.0.0.6\n"


def test_concurrent_merges_lose_no_update(tmp_path: Path) -> None:
    """Each pair of merges sets a different key; with the lock both keys are always there."""
    import subprocess
    import sys

    cfg = tmp_path / "config.yaml"
    for _ in range(4):
        cfg.write_text("node-ip: 10.0.0.5\n")
        argv = [sys.executable, "-m", "k3stui", "render", "--merge-into", str(cfg), "--exec"]
        procs = [subprocess.Popen([*argv, f"server --{flag}"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
                 for flag in ("node-external-ip=192.0.2.7", "service-node-port-range=30000-32000")]
        for p in procs:
            assert p.wait(timeout=120) == 0, p.stderr.read() if p.stderr else ""
            if p.stderr:
                p.stderr.close()
        text = cfg.read_text()
        assert "192.0.2.7" in text and "30000-32000" in text and text.startswith("node-ip: 10.0.0.5\n")
