"""What running commands through the `sh` package must not change: the script starts as from
subprocess (no signal blocked or ignored that k3stui had not ignored itself, stdin on /dev/null,
its own process group), a start that fails after sh's fork leaves no zombie, and host tools never
raise on odd bytes or hang on a FIFO."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from k3stui.install import hostinfo, runner


def _status_masks(lines: list[str]) -> dict[str, int]:
    pairs = (line.split(":\t") for line in lines if line.startswith(("SigBlk", "SigIgn")))
    return {k: int(v, 16) for k, v in pairs}


def _bit(sig: int) -> int:
    return 1 << (sig - 1)


def test_the_script_gets_default_signals_and_a_group_of_its_own():
    """k3stui's own handlers (as `_Signals` sets them) and sh's SIGHUP ignore for `_bg` must not
    reach the script: nothing blocked, INT/TERM/HUP/QUIT/PIPE/XFSZ at their defaults."""
    seen: list[str] = []
    old = {s: signal.signal(s, lambda *a: None) for s in runner.SIGNALS}
    try:
        code = runner.run_command(
            ["sh", "-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status; ps -o pgid= -p $$; "
             "ls -l /proc/self/fd/0"],
            runner.process_env({}),
            lambda line, stream: seen.append(line),
        )
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    assert code == 0, seen
    masks = _status_masks(seen)
    assert masks["SigBlk"] == 0, seen
    for s in (*runner.SIGNALS, signal.SIGPIPE, signal.SIGXFSZ):
        assert not masks["SigIgn"] & _bit(s), (signal.Signals(s).name, seen)
    pgid = int(next(line for line in seen if line.strip().isdigit()))
    assert pgid != os.getpgid(0)
    assert seen[-1].endswith("-> /dev/null")


def _zombie_children() -> list[int]:
    me, out = str(os.getpid()), []
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if fields[1] == me and fields[0] == "Z":
            out.append(int(p))
    return out


def test_a_start_that_fails_after_the_fork_leaves_no_zombie(tmp_path: Path):
    bad = tmp_path / "not-a-program"
    bad.write_bytes(b"\x00\x01\x02 not an executable format")
    bad.chmod(0o755)
    before = _zombie_children()
    with pytest.raises(OSError, match="Exec format error"):
        runner.run_command([str(bad)], runner.process_env({}), lambda line, stream: None)
    assert _zombie_children() == before


def test_a_missing_program_is_an_oserror_naming_it():
    with pytest.raises(FileNotFoundError, match="k3stui-no-such-tool"):
        runner.run_command(["k3stui-no-such-tool"], runner.process_env({}), lambda line, stream: None)


def test_host_tools_replace_odd_bytes_and_never_hang(tmp_path: Path, monkeypatch):
    assert hostinfo.sh_runner(["printf", r"\377ok\n"]) == "\ufffdok\n"
    with pytest.raises(hostinfo.CommandFailed, match="exit status 4: bad"):
        hostinfo.sh_runner(["sh", "-c", "echo bad >&2; exit 4"])
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    monkeypatch.setattr(hostinfo, "_TOOL_TIMEOUT", 0.5)
    with pytest.raises(hostinfo.CommandFailed, match="no answer within"):
        hostinfo.sh_runner(["cat", str(fifo)])
