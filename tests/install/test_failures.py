"""A failure at any step leaves the sandbox exactly as it was (paths, bytes, modes, links); only
the install log is kept, and the message says what failed and what was undone."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from installkit import install, presets, snapshot
from interruptkit import existing_install, running

from k3stui import fsio

PLAN = dict(presets())["cilium"]  # two files (drop-in, auto-deploy manifest) and the script


def _logs(root: Path) -> list[Path]:
    return sorted((root / "var/log").glob("k3stui-install-*.log"))


@pytest.fixture(params=["fresh", "existing"])
def prepared(request, sandbox):
    if request.param == "existing":
        existing_install(sandbox)
    return sandbox


def _assert_undone(root: Path, before: dict, result) -> None:
    assert not result.ok
    assert snapshot(root) == before
    assert "Undone:" in result.message
    logs = _logs(root)
    assert logs, "the log is kept"
    assert "failed at" in logs[-1].read_text()


def test_script_failure_undoes_everything(prepared, script):
    (script.parent / "fail").write_text("")
    before = snapshot(prepared)
    _, result, lines = install(PLAN, "server", prepared, script)
    _assert_undone(prepared, before, result)
    assert "exited with status 3" in result.message
    assert "the official K3s install script" in result.message
    assert any("failing on purpose" in line for line in lines)  # stderr streamed too


@pytest.mark.parametrize("exc", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_write_failing_midway_undoes_everything(prepared, script, monkeypatch, exc):
    real = fsio.atomic_write
    calls = {"n": 0}

    def flaky(path, data, mode=0o644):
        calls["n"] += 1
        if calls["n"] == 2:
            raise exc
        return real(path, data, mode)

    monkeypatch.setattr(fsio, "atomic_write", flaky)
    before = snapshot(prepared)
    _, result, _ = install(PLAN, "server", prepared, script)
    _assert_undone(prepared, before, result)
    assert calls["n"] == 2
    assert result.interrupted is isinstance(exc, KeyboardInterrupt)
    assert "writing /" in result.message
    assert not (script.parent / "record.env").exists(), "the script never ran"


def test_ctrl_c_while_the_script_runs_stops_it_and_undoes(prepared, script):
    def on_line(line: str) -> None:
        if "preparing" in line:
            raise KeyboardInterrupt

    before = snapshot(prepared)
    _, result, _ = install(PLAN, "server", prepared, script, on_line=on_line)
    _assert_undone(prepared, before, result)
    assert result.interrupted
    assert "interrupted (Ctrl-C)" in result.message


def test_sigterm_while_the_script_runs_undoes(prepared, script):
    def on_line(line: str) -> None:
        if "preparing" in line:
            os.kill(os.getpid(), signal.SIGTERM)

    old = signal.getsignal(signal.SIGTERM)
    before = snapshot(prepared)
    _, result, _ = install(PLAN, "server", prepared, script, on_line=on_line)
    _assert_undone(prepared, before, result)
    assert "terminated (SIGTERM)" in result.message
    assert signal.getsignal(signal.SIGTERM) == old  # the handler is put back


def test_refused_actions_change_nothing(sandbox, script):
    from installkit import prepare

    from k3stui.install.runner import run_actions
    from k3stui.plan import Plan

    (sandbox / "var/lib/rancher/k3s/server/db").mkdir(parents=True)
    actions = prepare(Plan(cluster_cidr=("10.50.0.0/16",)), "server", sandbox, script)
    assert actions.refused
    before = snapshot(sandbox, ignore_logs=False)
    result = run_actions(actions)
    assert not result.ok and "nothing was changed" in result.message
    assert snapshot(sandbox, ignore_logs=False) == before


def test_sysctl_values_are_put_back_when_a_later_step_fails(tmp_path: Path):
    """With a fake command runner: nothing real is applied, the order and the undo are checked."""
    from k3stui.install.actions import Actions, CommandAction
    from k3stui.install.runner import run_actions

    key = "net.ipv6.conf.all.accept_ra"
    current = Path("/proc/sys/net/ipv6/conf/all/accept_ra")
    if not current.exists():
        pytest.skip("no IPv6 sysctls here")
    calls: list[list[str]] = []

    def runner(argv, env, on_output, check):
        calls.append(list(argv))
        return 0 if argv[0] == "sysctl" else 1

    actions = Actions(
        role="server",
        root=str(tmp_path),
        files=(),
        findings=(),
        log_path=str(tmp_path / "install.log"),
        commands=(
            CommandAction(
                "sysctl",
                ("sysctl", "-p", "/etc/sysctl.d/90-k3stui-network.conf"),
                {},
                "apply sysctls",
                sysctl_keys=(key,),
            ),
            CommandAction("install", ("sh", "/nonexistent/install.sh"), {}, "the install script"),
        ),
    )
    result = run_actions(actions, runner=runner)
    assert not result.ok
    assert calls == [
        ["sysctl", "-p", "/etc/sysctl.d/90-k3stui-network.conf"],
        ["sh", "/nonexistent/install.sh"],
        ["sysctl", "-w", f"{key}={current.read_text().strip()}"],
    ]
    assert f"sysctl {key} back to" in result.message


@pytest.mark.parametrize("trap", ["", "trap '' TERM\n"], ids=["plain", "ignores-sigterm"])
def test_interrupt_stops_the_script_and_its_children(tmp_path: Path, monkeypatch, trap: str):
    """No deadlock: SIGTERM to the whole group; a script (and child) that ignore it get SIGKILL
    after the grace period, and run_command returns only once none of the group runs."""
    import time

    from k3stui.install import runner

    monkeypatch.setattr(runner, "TERM_GRACE", 0.2)
    pidfile = tmp_path / "child.pid"
    slow = tmp_path / "slow.sh"
    slow.write_text(f"{trap}sleep 30 &\necho $! > {pidfile}\necho started\nwait\nwait\n")

    def on_output(line: str, stream: str) -> None:
        if line == "started":
            raise KeyboardInterrupt

    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        runner.run_command(["sh", str(slow)], runner.process_env({}), on_output)
    assert time.monotonic() - t0 < 10
    assert not running(int(pidfile.read_text())), "the script's child kept running"


def test_a_failed_download_names_the_way_around_it(tmp_path: Path, monkeypatch):
    """No network: urlopen is replaced by one that fails as an offline host does."""
    import urllib.error
    import urllib.request

    from k3stui.install.runner import StepFailed, download

    def offline(url, timeout=None):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.delenv("K3STUI_NO_DOWNLOAD")
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(StepFailed, match="--install-script FILE"):
        download("https://get.k3s.io", tmp_path / "install.sh")
    assert not (tmp_path / "install.sh").exists()
