"""An interrupted install is always undone: a signal (INT, TERM, HUP, QUIT) at any point of the
fake install script or of k3stui's own steps ends with the sandbox byte-identical to before (paths,
kinds, bytes, modes, link targets), the script's whole group stopped; a SIGKILL midway leaves a
journal that `k3stui install --undo` finishes. No test waits for time: the fake script sends the
signal itself at its numbered point and blocks there, or writes a marker the test waits for.

`K3STUI_INTERRUPT_RUNS=200` (make test-interrupts) turns the CLI loop into the heavy one: that many
runs of the real CLI with INT/TERM/HUP at random points, each ending undone or fully installed."""

from __future__ import annotations

import os
import random
import signal
from pathlib import Path

import pytest
from installkit import install, prepare, presets, snapshot
from interruptkit import (
    cli,
    existing_install,
    install_args,
    kill_group,
    reset,
    running,
    script_points,
    stable_snapshot,
    stop_at,
    wait_for_marker,
)

from k3stui.install import events as ev
from k3stui.install.runner import as_lines, run_actions

PLAN = dict(presets())["cilium"]
SEED = int(os.environ.get("K3STUI_INTERRUPT_SEED", "15"))
SIGNALS = ("INT", "TERM", "HUP")


@pytest.fixture(params=["fresh", "existing"])
def world(request, sandbox, script, tmp_path):
    """(root, script, pristine copy, actions, points): the plan of action is made once and the
    sandbox reset from the copy before each run."""
    if request.param == "existing":
        existing_install(sandbox)
    import shutil

    pristine = tmp_path / "pristine"
    shutil.copytree(sandbox, pristine, symlinks=True)
    actions = prepare(PLAN, "server", sandbox, script)
    assert run_actions(actions).ok  # counts the script's points, and proves the plan installs
    points, installed = script_points(script), stable_snapshot(sandbox)
    assert points >= 25, points
    reset(pristine, sandbox)
    return sandbox, script, pristine, actions, points, installed


def _undone_exactly(root: Path, before: dict, result, sig: str) -> None:
    assert not result.ok, result.message
    assert result.interrupted and result.signal == f"SIG{sig}", result.message
    assert "Undone:" in result.message
    assert stable_snapshot(root) == before, result.message


def test_a_signal_at_any_point_undoes_everything(world):
    root, script, pristine, actions, points, _ = world
    before = stable_snapshot(root)
    rng = random.Random(SEED)
    # Every point of the script, and every event of k3stui's own steps before the script starts.
    own = 2 * len(actions.files) + 1
    cases = [("script", n) for n in range(1, points + 1)] + [("event", n) for n in range(1, own + 1)]
    assert len(cases) >= 30
    for where, n in cases:
        sig = rng.choice(SIGNALS)
        reset(pristine, root)
        (script.parent / "stop-at").unlink(missing_ok=True)
        seen: list[ev.Event] = []

        def on_event(e: ev.Event, n=n, where=where, sig=sig, seen=seen) -> None:
            seen.append(e)
            if where == "event" and len(seen) == n:
                os.kill(os.getpid(), getattr(signal, f"SIG{sig}"))

        if where == "script":
            stop_at(script, n, sig, "block")
        result = run_actions(actions, on_event)
        try:
            _undone_exactly(root, before, result, sig)
        except AssertionError as exc:
            raise AssertionError(f"{where} point {n}, SIG{sig} (seed {SEED}): {exc}") from None
        assert isinstance(seen[-1], ev.Finished) and not seen[-1].ok
        undone = [e for e in seen if isinstance(e, ev.Undone)]
        assert len(undone) == 1 and undone[0].signal == f"SIG{sig}" and not undone[0].problems
        if where == "script":
            pid = int((script.parent / "reached").read_text())
            assert not running(pid), "the script was left running"


class PowerCut(BaseException):
    """The process is gone at this instant: nothing after it runs, the undo included."""


@pytest.mark.parametrize("op", ["_save", "guard"])
def test_a_power_cut_after_any_journal_step_is_undone_by_undo(world, monkeypatch, op):
    """Cut right after the k-th journal write (`_save`), or right after the k-th backup set
    (`guard`, the change not made yet), for every k: `--undo`'s function restores the sandbox, or
    finds the run had finished (the cut was in its last clean-up) and leaves it installed."""
    from k3stui.install.journal import Journal
    from k3stui.install.runner import undo_interrupted

    root, _, pristine, actions, _, installed = world
    before = stable_snapshot(root)
    real, real_begin = getattr(Journal, op), Journal.begin.__func__
    k = 0
    while True:
        k += 1
        reset(pristine, root)
        calls, opened = [0], []

        def cut(self, *a, k=k, calls=calls, **kw):
            real(self, *a, **kw)
            calls[0] += 1
            if calls[0] == k:
                raise PowerCut

        def begin(cls, *a, opened=opened, **kw):
            opened.append(real_begin(cls, *a, **kw))
            return opened[-1]

        def dead(self, *a, **kw):
            raise PowerCut

        with monkeypatch.context() as m:
            m.setattr(Journal, op, cut)
            m.setattr(Journal, "begin", classmethod(begin))
            m.setattr(Journal, "rollback", dead)
            try:
                result = run_actions(actions)
            except PowerCut:
                result = None
        if result is not None:  # fewer than k such steps: every cut point was tried
            assert result.ok and k > 2
            break
        if opened:  # (a cut inside `begin` released it already)
            opened[0].close()  # the dead process's lock goes with it
        undone = undo_interrupted(str(root))
        assert undone.ok, undone.message
        now = stable_snapshot(root)
        assert now in (before, installed), f"cut after {op} #{k}"
        assert not (root / "var/lib/k3stui").exists()


def test_events_of_a_run_and_of_a_failure(sandbox, script):
    seen: list[ev.Event] = []
    actions = prepare(PLAN, "server", sandbox, script)
    result = run_actions(actions, seen.append)
    assert result.ok
    kinds = [type(e).__name__ for e in seen]
    total = len(actions.files) + len(actions.commands)
    assert kinds.count("StepStarted") == kinds.count("StepDone") == total
    assert [e.index for e in seen if isinstance(e, ev.StepStarted)] == list(range(1, total + 1))
    assert any(isinstance(e, ev.OutputLine) and "fake install.sh: done" in e.text for e in seen)
    assert isinstance(seen[-1], ev.Finished) and seen[-1].ok and seen[-1].log_path == result.log_path

    (script.parent / "fail").write_text("")
    seen.clear()
    result = run_actions(prepare(PLAN, "server", sandbox, script), seen.append)
    assert not result.ok
    failed = [e for e in seen if isinstance(e, ev.StepFailed)]
    assert len(failed) == 1 and "exited with status 3" in failed[0].reason
    assert any(isinstance(e, ev.OutputLine) and e.stream == "stderr" and "failing on purpose" in e.text
               for e in seen)
    undone = [e for e in seen if isinstance(e, ev.Undone)]
    assert len(undone) == 1 and undone[0].signal is None and undone[0].restored


# --- the real CLI, in a child process --------------------------------------------------------------


def _cli_case(root: Path, script: Path, before: dict, installed: dict, n: int, sig: str, mode: str) -> str:
    stop_at(script, n, "-", mode)
    proc = cli(*install_args(root, script))
    try:
        reached = wait_for_marker(script, proc)
        if reached:
            proc.send_signal(getattr(signal, f"SIG{sig}"))
        _, err = proc.communicate(timeout=120)
        left_running = reached and running(int((script.parent / "reached").read_text()))
    finally:
        kill_group(script)
    assert not left_running, f"point {n} SIG{sig}: the install script was left running"
    assert "Traceback" not in err, err
    now = stable_snapshot(root)
    if now == before:
        assert proc.returncode == 130, (proc.returncode, err)
        assert "Undone:" in err
        return "undone"
    assert now == installed, f"point {n} SIG{sig}: neither undone nor fully installed\n{err}"
    return "installed"


def test_signals_to_the_cli_undo_or_finish(sandbox, script, tmp_path):
    """Default: one run per signal (INT, TERM, HUP, QUIT), the script blocked at a random point.
    K3STUI_INTERRUPT_RUNS=N: N runs, INT/TERM/HUP at random points with the script going on, so the
    signal lands anywhere after it, the end of the install included."""
    import shutil

    existing_install(sandbox)
    pristine = tmp_path / "pristine"
    shutil.copytree(sandbox, pristine, symlinks=True)
    before = stable_snapshot(sandbox)
    proc = cli(*install_args(sandbox, script))
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    installed, points = stable_snapshot(sandbox), script_points(script)
    rng = random.Random(SEED)
    runs = int(os.environ.get("K3STUI_INTERRUPT_RUNS", "0"))
    cases = (
        [(rng.randint(1, points), rng.choice(SIGNALS), "go") for _ in range(runs)]
        if runs
        else [(rng.randint(1, points), s, "block") for s in (*SIGNALS, "QUIT")]
    )
    outcomes = []
    for n, sig, mode in cases:
        reset(pristine, sandbox)
        outcomes.append(_cli_case(sandbox, script, before, installed, n, sig, mode))
    assert "undone" in outcomes


def test_ctrl_c_in_the_first_moments_prints_no_traceback(sandbox, script):
    """SIGINT 0 to 0.2 s after start (while Python loads k3stui, parses, prepares): a quiet exit.
    The delay only picks when the signal is sent; nothing is asserted about timing. The one
    traceback nothing in a program can prevent is Python's own, when the signal lands in its
    start-up (site, runpy: "Fatal Python error: init_import_site") before k3stui's first line
    runs: no k3stui frame in it."""
    import time

    before = stable_snapshot(sandbox)
    for delay in [i / 50 for i in range(11)]:
        proc = cli(*install_args(sandbox, script))
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        assert "Traceback" not in err or "/k3stui/" not in err, (delay, err)
        if stable_snapshot(sandbox) == before:
            assert proc.returncode != 0, (delay, err)
        else:  # it got that far, and finished: a second run would find it installed
            assert proc.returncode == 0, (delay, err)
            return


_KILL_AT_EVENT = """
import os, signal, sys
from k3stui.commands import install
real, k, seen = install.print_event, int(sys.argv[1]), []
def on_event(e):  # the CLI's subscriber, killed with the k-th event
    seen.append(e)
    real(e)
    if len(seen) == k:
        os.kill(os.getpid(), signal.SIGKILL)
install.print_event = on_event
from k3stui.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("where", ["event:1", "event:2", "script:9", "script:last"])
def test_sigkill_midway_then_undo_restores(sandbox, script, where):
    """A SIGKILL (a power cut, the OOM killer) leaves the journal: the next install refuses and
    names --undo, and --undo puts everything back."""
    import subprocess
    import sys

    from installkit import REPO

    existing_install(sandbox)
    before = stable_snapshot(sandbox)
    kind, at = where.split(":")
    args = install_args(sandbox, script)
    if kind == "event":
        env = {**os.environ, "PYTHONPATH": str(REPO), "K3STUI_NO_DOWNLOAD": "1"}
        proc = subprocess.run([sys.executable, "-c", _KILL_AT_EVENT, at, *args], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert proc.returncode == -signal.SIGKILL, proc.stderr
    else:
        n = 26 if at == "last" else int(at)
        stop_at(script, n, "KILL", "block")
        p = cli(*args)
        p.communicate(timeout=120)
        kill_group(script)
        assert p.returncode == -signal.SIGKILL and (script.parent / "reached").exists()
        (script.parent / "stop-at").unlink()
    assert (sandbox / "var/lib/k3stui/install-journal.json").is_file()
    assert stable_snapshot(sandbox) != before

    again = cli(*args)
    _, err = again.communicate(timeout=120)
    assert again.returncode == 1 and "k3stui install --undo --root" in err, err

    undo = cli("install", "--undo", "--root", str(sandbox))
    out, err = undo.communicate(timeout=120)
    assert undo.returncode == 0, err
    assert "undid the interrupted install" in out
    assert stable_snapshot(sandbox) == before

    nothing = cli("install", "--undo", "--root", str(sandbox))
    out, _ = nothing.communicate(timeout=120)
    assert nothing.returncode == 0 and "nothing to undo" in out


def test_line_adapter_shows_what_the_cli_prints(sandbox, script):
    lines: list[str] = []
    (script.parent / "fail").write_text("")
    _, _, shown = install(PLAN, "server", sandbox, script)
    run_actions(prepare(PLAN, "server", sandbox, script), as_lines(lines.append, finished=True))
    assert any(line.startswith("failed: running: ") for line in lines)
    assert any(line.startswith("undo: ") for line in lines)
    assert lines[-1].startswith("failed at 'the official K3s install script")
    assert not any(line.startswith("failed at") for line in shown)  # the CLI prints the message itself


def test_a_left_journal_stops_the_next_run_until_undo(sandbox, script):
    """The TUI reaches the runner directly: it refuses too, and changes nothing (not even a log)."""
    from k3stui.install.runner import undo_interrupted

    actions = prepare(PLAN, "server", sandbox, script)
    journal = sandbox / "var/lib/k3stui/install-journal.json"
    journal.parent.mkdir(parents=True)
    journal.write_text("{not json")
    before = snapshot(sandbox, ignore_logs=False)
    result = run_actions(actions)
    assert not result.ok and "nothing was changed" in result.message
    assert f"k3stui install --undo --root {sandbox}" in result.message
    assert snapshot(sandbox, ignore_logs=False) == before
    undone = undo_interrupted(str(sandbox))
    assert not undone.ok and "cannot be read" in undone.message and "remove it by hand" in undone.message


def test_a_journal_naming_paths_outside_the_root_is_not_followed(sandbox, tmp_path):
    import json

    from k3stui.install.runner import undo_interrupted

    victim = tmp_path / "precious"
    victim.mkdir()
    journal = sandbox / "var/lib/k3stui/install-journal.json"
    journal.parent.mkdir(parents=True)
    journal.write_text(json.dumps({"version": 1, "state": "running", "folders": [
        {"path": str(victim), "existed": False, "entries": {}}]}))
    undone = undo_interrupted(str(sandbox))
    assert not undone.ok and "outside" in undone.message
    assert victim.is_dir()


def test_sighup_with_the_terminal_gone_still_undoes(sandbox, script):
    """ssh dropped: SIGHUP, and every later write to the terminal fails; the undo runs anyway."""
    existing_install(sandbox)
    before = stable_snapshot(sandbox)
    stop_at(script, 9, "-", "block")
    proc = cli(*install_args(sandbox, script))
    try:
        assert wait_for_marker(script, proc)
        proc.stdout.close()  # the reading end goes: k3stui's next print fails (EPIPE)
        proc.send_signal(signal.SIGHUP)
        proc.wait(timeout=120)
        left_running = running(int((script.parent / "reached").read_text()))
    finally:
        kill_group(script)
    assert not left_running
    assert proc.returncode == 130, proc.stderr.read()
    assert stable_snapshot(sandbox) == before
