"""Carry out `Actions`: write files (atomically, journaled and backed up first), apply sysctls, run
the K3s install script through the `sh` package (argv and env, never a shell string) in a process
group of its own, and report typed events (`k3stui.install.events`) to the log file and the caller.

Any failure undoes everything done so far: a write that fails, the script's exit code, and every
signal that can end the process (SIGINT, SIGTERM, SIGHUP, SIGQUIT). A signal is only recorded where
it lands and acted on at the next safe point (between steps, or within 50 ms while the script
runs), so it can never cut k3stui's own bookkeeping in half; the script's whole group is then
stopped (SIGTERM, a bounded wait, SIGKILL) before the undo starts, and signals during the undo are
ignored. The undo journal on disk (`journal.py`) lets `k3stui install --undo` finish an undo that a
SIGKILL or a power cut stopped.

How `run_command` keeps those promises with sh (`_bg=True`, `_new_group=True`, `_in` /dev/null,
exactly `_env`, `_tty_out=False`, `_ok_code` every status, `_bg_exc=False`):
- sh calls `_out`/`_err` in its reader thread; they only queue the lines, and the caller's loop
  delivers them and calls `check()` every 50 ms. Once the script has exited, a thread of ours runs
  `wait()` (it reaps and joins sh's reader), so the loop never blocks; a child the script left
  holding its output gets sh's 2 s before the output is closed.
- sh forks in Python and runs Python in the child until exec (subprocess does that part in C):
  every signal is blocked across the fork, and the child (`_preexec_fn`) puts handlers back to
  their defaults before it takes the caller's mask back, so no k3stui handler (or KeyboardInterrupt)
  can run in it. The same hook writes the child's pid to a pipe: if sh fails after the fork, the
  child is still stopped and reaped. `_bg=True` makes sh ignore SIGHUP in the child; the hook
  restores it, with SIGPIPE and SIGXFSZ (as subprocess's `restore_signals`).
- The program is looked up in the child's PATH (as subprocess does), not k3stui's; its argv[0] is
  then the full path (sh passes what it runs). An exec failure is an OSError, as with subprocess.
- Stopping uses `os.killpg` on the group sh made, and `waitid(WNOWAIT)` to see the script exit
  without reaping it; sh may reap it in its thread, which is safe: a group's id stays in use while
  any member lives. Nothing here needs subprocess.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import queue
import secrets as _random
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

from k3stui import fsio
from k3stui.errors import WriteRefused
from k3stui.install import events as ev
from k3stui.install import rootpath
from k3stui.install.actions import Actions, CommandAction, FileAction, command_text, mask
from k3stui.install.events import OnEvent
from k3stui.install.journal import Journal, unfinished

Stream = Literal["stdout", "stderr"]
OnOutput = Callable[[str, Stream], None]
Check = Callable[[], None]  # raises `Interrupted` once a signal has arrived
Runner = Callable[[Sequence[str], dict[str, str], OnOutput, Check], int]
# What the script inherits from us: enough to run, nothing that could carry a K3S_* value.
_PASS_ENV = ("PATH", "HOME", "LANG", "TERM")
_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
_WHY = {
    signal.SIGINT: "interrupted (Ctrl-C)",
    signal.SIGTERM: "terminated (SIGTERM)",
    signal.SIGHUP: "hung up (SIGHUP: the terminal or ssh session went away)",
    signal.SIGQUIT: "quit (SIGQUIT)",
}
TERM_GRACE = 5.0  # seconds the script gets to stop on SIGTERM before its group is killed
_ALL_CODES = range(-128, 256)  # every status, a signal's (negative) included
_RESETTABLE = signal.valid_signals() - {signal.SIGKILL, signal.SIGSTOP}
_RESTORED = {signal.SIGPIPE, signal.SIGXFSZ}  # Python ignores these; a child gets the default
_DIR_ENV = {"INSTALL_K3S_BIN_DIR": "the binary folder", "INSTALL_K3S_SYSTEMD_DIR": "the systemd unit folder"}


class StepFailed(Exception):
    pass


class Interrupted(BaseException):
    """A signal arrived; raised at the next safe point so the same undo runs as for a failure."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _never() -> None:
    return None


def _drop(line: str, stream: Stream) -> None:
    return None


@dataclass
class Result:
    ok: bool
    message: str
    log_path: str | None = None
    written: list[str] = field(default_factory=list)
    undone: list[str] = field(default_factory=list)
    interrupted: bool = False
    signal: str | None = None  # "SIGTERM"... when a signal ended the run


# --- signals ---------------------------------------------------------------------------------


class _Signals:
    """While active (main thread only): INT, TERM, HUP and QUIT are recorded, not acted on where
    they land; `check()` raises `Interrupted` at a safe point. Inside `interruptible()` (a
    download: nothing of ours to cut in half) the handler raises at once."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._raise_now = False
        self._old: dict[int, object] = {}

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():
            for s in SIGNALS:
                with contextlib.suppress(ValueError, OSError):
                    self._old[s] = signal.signal(s, self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        for s, old in self._old.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(s, old)  # type: ignore[arg-type]

    def _handler(self, signum: int, frame: object) -> None:
        if self.signum is None:
            self.signum = signum
        if self._raise_now:
            self._raise_now = False
            raise Interrupted(signum)

    def check(self) -> None:
        if self.signum is not None:
            raise Interrupted(self.signum)

    @contextlib.contextmanager
    def interruptible(self) -> Iterator[None]:
        self.check()
        self._raise_now = True
        try:
            yield
        finally:
            self._raise_now = False


# --- commands --------------------------------------------------------------------------------


def process_env(env: dict[str, str]) -> dict[str, str]:
    base = {k: os.environ[k] for k in _PASS_ENV if k in os.environ}
    base.setdefault("PATH", _DEFAULT_PATH)
    return {**base, **env}


def run_command(
    argv: Sequence[str],
    env: dict[str, str],
    on_output: OnOutput,
    check: Check = _never,
    *,
    cwd: str | None = None,
) -> int:
    """Run argv through `sh` (no shell) with exactly `env`, stdin on /dev/null, in a new process
    group; call on_output for each output line in the caller's thread, and `check` at least every
    50 ms. Whatever stops it early (an exception from on_output, `check` seeing a signal, a failed
    start after the fork) stops the whole group and reaps it first, then propagates. Returns the
    exit status (negative: the signal that ended it), never raises for it."""
    child = _Child()
    # queue.Queue, not SimpleQueue: in CPython 3.11's _queuemodule.c, a signal that lands while
    # SimpleQueue.get(timeout=...) waits and is handled after the deadline turns the wait into one
    # without end (the timeout is recomputed negative, and negative means forever; threading's locks
    # check for that). `check` would never run again: the TERM taken, the run hung (seen under load).
    lines: queue.Queue[tuple[str | bytes, Stream]] = queue.Queue()
    try:
        _spawn(child, _program(argv[0], env, cwd), argv[1:], env, cwd, lines)
        return _pump(child, lines, on_output, check)
    except BaseException:
        _stop(child)
        raise


@dataclass
class _Child:
    """What is known of the started command, filled in as soon as it is known, so the `except`
    of `run_command` can stop it whatever line the exception came from."""

    pid: int | None = None  # also the id of its process group
    cmd: Any = None  # sh.RunningCommand
    reaper: _Reaper | None = None


class _Reaper(threading.Thread):
    """`RunningCommand.wait()` in a thread of ours: it reaps the script and joins sh's reader
    thread (so once it returns, every line is queued) while the caller's loop goes on checking
    for signals. Started only once the script has exited (or been stopped)."""

    def __init__(self, cmd: Any) -> None:
        super().__init__(name=f"k3stui reaper {cmd.pid}", daemon=True)
        self.cmd = cmd
        self.code: int | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.cmd.wait()
            self.code = self.cmd.exit_code
        except BaseException as exc:  # handed to the caller's thread
            self.error = exc


def _program(name: str, env: dict[str, str], cwd: str | None) -> str:
    """The file exec would run, found as subprocess finds it: a name with a / as it is, else in
    the child's own PATH (sh would search k3stui's)."""
    if "/" in name:
        path = os.path.join(cwd or "", name)
        if not os.path.isfile(path):
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), name)
        if not os.access(path, os.X_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), name)
    else:
        found = shutil.which(name, path=env.get("PATH", os.defpath))
        if found is None:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), name)
        path = found
    if cwd is not None and not os.path.isdir(cwd):  # sh's child would fail before we know its pid
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), cwd)
    return os.path.abspath(path)


def _spawn(child: _Child, program: str, args: Sequence[str], env: dict[str, str], cwd: str | None,
           lines: queue.Queue[tuple[str | bytes, Stream]]) -> None:
    import sh  # here, not at import time: `check` never imports sh

    # sh forks in Python and runs Python in the child until exec: no handler of ours may run
    # there (a KeyboardInterrupt would go on running k3stui in the child). Every signal is
    # blocked across the fork; the child resets the handlers, then takes the caller's mask back.
    dispositions = {s: signal.getsignal(s) for s in _RESETTABLE}
    pid_r, pid_w = os.pipe()  # the child's pid, written before exec: known even if sh fails later
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, _RESETTABLE)
    try:
        with open(os.devnull, "rb") as null:
            try:
                child.cmd = sh.Command(program)(
                    *args,
                    _env=env,
                    _cwd=cwd,
                    _in=null,
                    _out=lambda chunk: lines.put((chunk, "stdout")),
                    _err=lambda chunk: lines.put((chunk, "stderr")),
                    _tty_out=False,  # pipes, as the script gets them from a pipeline
                    _encoding="utf-8",
                    _decode_errors="replace",
                    _no_out=True,
                    _no_err=True,
                    _no_pipe=True,
                    _new_group=True,  # stopping it stops what it started too (curl, systemctl)
                    _close_fds=True,
                    _bg=True,
                    _bg_exc=False,
                    _ok_code=_ALL_CODES,  # the status is returned, not raised
                    _preexec_fn=functools.partial(_in_child, pid_w, dispositions, old_mask),
                )
            except (sh.CommandNotFound, sh.ForkException) as exc:  # exec failed in the child
                last = str(exc).strip().splitlines()[-1:] or [type(exc).__name__]
                raise OSError(f"could not start {program}: {last[0].strip()}") from None
            finally:
                os.close(pid_w)
                child.pid = _read_pid(pid_r)
    finally:
        os.close(pid_r)
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)


def _in_child(pid_w: int, dispositions: dict[int, Any], mask: set[int]) -> None:
    """sh's `_preexec_fn`: in the forked child, in its new group, just before exec. Every signal
    k3stui handles in Python goes back to the default (ignored ones stay ignored, as exec would
    leave them; SIGHUP too, which sh's `_bg` ignores), SIGPIPE and SIGXFSZ to the default (as
    subprocess's `restore_signals`), and only then is the caller's mask restored."""
    os.write(pid_w, str(os.getpid()).encode())
    with contextlib.suppress(ValueError):
        signal.set_wakeup_fd(-1)
    for s, before in dispositions.items():
        if before is None:  # not set from Python: exec treats it
            continue
        want = signal.SIG_IGN if before == signal.SIG_IGN and s not in _RESTORED else signal.SIG_DFL
        if signal.getsignal(s) != want:
            signal.signal(s, want)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _read_pid(fd: int) -> int | None:
    data = b""
    while chunk := os.read(fd, 32):
        data += chunk
    return int(data) if data.isdigit() else None


def _line(chunk: str | bytes) -> str:
    text = chunk.decode("utf-8", "replace") if isinstance(chunk, bytes) else chunk
    return text.removesuffix("\n").rstrip("\r")


def _pump(child: _Child, lines: queue.Queue[tuple[str | bytes, Stream]], on_output: OnOutput,
          check: Check) -> int:
    """Deliver sh's lines in this thread and call `check` every 50 ms at most, until the script
    has exited and sh has read all its output (sh gives a child the script left holding the
    output 2 s, then closes it)."""
    assert child.pid is not None and child.cmd is not None
    while True:
        check()
        try:
            chunk, stream = lines.get(timeout=0.05)
        except queue.Empty:
            pass
        else:
            on_output(_line(chunk), stream)
            continue
        if child.reaper is None and _exited(child.pid):
            child.reaper = _Reaper(child.cmd)
            child.reaper.start()
        if child.reaper is not None and not child.reaper.is_alive() and lines.empty():
            break
    if child.reaper.error is not None:
        raise child.reaper.error
    assert child.reaper.code is not None
    return child.reaper.code


def _stop(child: _Child) -> None:
    """Stop what was started (its whole group), then reap it; bounded."""
    if child.pid is None:
        return
    stop_group(child.pid)
    if child.cmd is None:  # sh failed after the fork: reap it ourselves
        _wait_until(lambda: _reaped(child.pid), 5.0)  # type: ignore[arg-type]
        return
    if child.reaper is None:
        child.reaper = _Reaper(child.cmd)
        child.reaper.start()
    child.reaper.join(timeout=5.0)


def _reaped(pid: int) -> bool:
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:
        return True


def _exited(pid: int) -> bool:
    """Has the child exited? (Not reaped here; sh's thread may reap it: a group id stays in use,
    and unreusable, while any member of the group lives.)"""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def stop_group(pgid: int, grace: float | None = None) -> None:
    """SIGTERM to the script's whole group, a bounded wait, then SIGKILL to whatever is left of the
    group; returns once nothing of it runs (bounded too), so no write of it lands after the undo.
    The group's id is the script's pid (a group of its own)."""

    def kill(sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)

    kill(signal.SIGTERM)
    _wait_until(lambda: _exited(pgid), TERM_GRACE if grace is None else grace)
    kill(signal.SIGKILL)
    _wait_until(lambda: _exited(pgid), 5.0)
    _wait_until(lambda: not _group_running(pgid), 5.0)


def _wait_until(done: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _group_running(pgid: int) -> bool:
    """Any process of the group still running (zombies do not count)? Linux /proc."""
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return False
    for p in pids:
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()  # after "pid (comm) "
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            return True
    return False


def download(url: str, dest: Path) -> None:
    """Fetch the install script (real online installs only; K3STUI_NO_DOWNLOAD forbids it)."""
    if os.environ.get("K3STUI_NO_DOWNLOAD"):
        raise StepFailed(f"downloading {url} is disabled (K3STUI_NO_DOWNLOAD); use --install-script FILE")
    if not url.startswith("https://"):
        raise StepFailed(f"refusing to download {url}: not https")
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            data = resp.read()
    except (OSError, ValueError) as exc:  # URLError, HTTPError and timeouts are OSErrors
        raise StepFailed(
            f"could not download {url} ({exc}); fetch it on a connected machine and pass "
            "--install-script FILE, or use an air-gapped bundle (k3stui bundle)"
        ) from exc
    fsio.atomic_write(dest, data, 0o700)


def _read_sysctls(keys: Sequence[str]) -> dict[str, str]:
    out = {}
    for k in keys:
        with contextlib.suppress(OSError):
            out[k] = Path("/proc/sys", *k.replace(".", "/").split("/")).read_text().strip()
    return out


# --- subscribers: the log file, and lines for people --------------------------------------------


def event_lines(e: ev.Event) -> list[str]:
    """An event as the lines a person reads (the log file and the CLI print these)."""
    if isinstance(e, ev.StepStarted):
        return [e.title]
    if isinstance(e, ev.OutputLine):
        return [e.text]
    if isinstance(e, ev.StepFailed):
        return [f"failed: {e.title}: {e.reason}"]
    if isinstance(e, ev.Undone):
        return [f"undo: {r}" for r in e.restored] + [f"undo: COULD NOT: {p}" for p in e.problems]
    if isinstance(e, ev.Finished):
        return [e.message]
    return []


def as_lines(on_line: Callable[[str], None], *, finished: bool = False) -> OnEvent:
    """A line-printing subscriber (`finished`: the final message too; the CLI prints it itself)."""

    def on_event(e: ev.Event) -> None:
        if isinstance(e, ev.Finished) and not finished:
            return
        for line in event_lines(e):
            on_line(line)

    return on_event


class _Log:
    """The log file: every event's lines, masked. Opened exclusively (O_EXCL) and without
    following a symlink; a name already taken (a planted file or link) gets a random suffix."""

    def __init__(self, path: Path) -> None:
        self.path: Path | None = None
        self.fh: TextIO | None = None
        self.problem = ""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            for n in range(8):
                p = path if n == 0 else path.with_name(f"{path.stem}-{_random.token_hex(4)}{path.suffix}")
                try:
                    fd = os.open(p, flags, 0o600)
                except FileExistsError:
                    continue
                self.path, self.fh = p, os.fdopen(fd, "a", encoding="utf-8")
                break
            else:
                raise FileExistsError(17, "every name tried exists", str(path))
        except OSError as exc:
            self.problem = f"no log file ({path}: {exc.strerror or exc})"

    @property
    def where(self) -> str:
        return self.problem or f"log: {self.path}"

    def __call__(self, e: ev.Event) -> None:
        if self.fh is None:
            return
        with contextlib.suppress(OSError, ValueError):  # a full disk must not stop the undo
            for line in event_lines(e):
                self.fh.write(line + "\n")
            self.fh.flush()

    def close(self) -> None:
        if self.fh is not None:
            with contextlib.suppress(OSError):
                self.fh.close()


# --- paths, resolved under the root before anything changes ----------------------------------------


@dataclass
class _Paths:
    files: dict[str, Path]  # FileAction.target -> resolved
    guards: list[list[Path]]  # per command
    envs: list[dict[str, str]]  # per command: the folder variables, resolved
    folders: list[Path]  # every folder the install writes: listed before, swept on undo
    log: Path


def _resolve(actions: Actions) -> _Paths:
    root = actions.root
    files = {f.target: rootpath.resolve_file(root, f.target, f.dest) for f in actions.files}
    folders = [p.parent for p in files.values()]
    guards, envs = [], []
    for c in actions.commands:
        env = {k: str(rootpath.resolve_dir(root, c.env[k], f"{what} {k}")) for k, what in _DIR_ENV.items()
               if k in c.env}
        g = [rootpath.resolve_file(root, p, p) for p in c.guard]
        folders += [Path(v) for v in env.values()] + [p.parent for p in g]
        guards.append(g)
        envs.append(env)
    # Only its folder: the log itself is opened without following a link (a planted one is skipped).
    log_path = Path(actions.log_path)
    log = rootpath.resolve_dir(root, log_path.parent, "the folder of the install log") / log_path.name
    return _Paths(files, guards, envs, list(dict.fromkeys(folders)), log)


# --- the run -------------------------------------------------------------------------------------


def _title(actions: Actions, c: CommandAction) -> str:
    if c.skip:
        return f"skipped {c.description}: {c.skip}"
    return f"running: {command_text(c, actions.secrets)}"


def run_actions(actions: Actions, on_event: OnEvent | None = None, *, runner: Runner = run_command) -> Result:
    """Do it, reporting each step to `on_event` (texts masked). Refused actions (preflight errors,
    a path leading out of the root, an unfinished earlier undo) change nothing."""

    def refused(why: str) -> Result:
        message = mask(f"refused: {why}; nothing was changed", actions.secrets)
        if on_event:
            on_event(ev.Finished(False, message))
        return Result(False, message)

    if actions.refused:
        return refused("preflight found errors")
    try:
        paths = _resolve(actions)
    except WriteRefused as exc:
        return refused(str(exc))
    total = len(actions.files) + len(actions.commands)
    index, step, title = 0, "starting", "starting"
    written: list[str] = []
    with _Signals() as sig:
        try:
            journal = Journal.begin(actions.root, paths.folders)
        except (WriteRefused, OSError) as exc:  # an earlier undo unfinished, another run, read-only
            return refused(str(exc) if isinstance(exc, WriteRefused) else f"cannot write the undo journal "
                           f"({exc.strerror or exc})")
        log = _Log(paths.log)
        log_path = str(log.path) if log.path else None
        subscribers = [log] + ([on_event] if on_event else [])

        def emit(e: ev.Event) -> None:
            for s in subscribers:
                s(e)

        def emit_quietly(e: ev.Event) -> None:  # while undoing: a broken subscriber must not stop it
            for s in subscribers:
                with contextlib.suppress(Exception, KeyboardInterrupt):
                    s(e)

        def out(line: str, stream: Stream) -> None:
            emit(ev.OutputLine(mask(line, actions.secrets), stream))

        try:
            if log.problem:
                out(f"note: {log.problem}; the output is shown here only", "stderr")
            sig.check()
            for index, f in enumerate(actions.files, 1):
                title = f"writing {f.dest}" if f.changed else f"unchanged: {f.dest}"
                step = f"writing {f.dest}"
                emit(ev.StepStarted(index, total, "file", title))
                if f.changed:
                    _write(f, paths.files[f.target], actions.root, journal)
                    written.append(f.dest)
                emit(ev.StepDone(index, total, title, f.changed))
                sig.check()
            for n, c in enumerate(actions.commands):
                index = len(actions.files) + n + 1
                title, step = _title(actions, c), c.description
                emit(ev.StepStarted(index, total, "sysctl" if c.kind == "sysctl" else "command", title))
                if not c.skip:
                    _run(c, paths.guards[n], paths.envs[n], journal, sig, out, runner)
                emit(ev.StepDone(index, total, title, not c.skip))
                sig.check()
            kept = journal.commit()
            message = f"installed the K3s {actions.role}" + (
                f"; backups kept: {', '.join(kept)}" if kept else ""
            ) + f"; {log.where}"
            emit(ev.Finished(True, message, log_path))
            return Result(True, message, log_path, written)
        except BaseException as exc:
            signum = exc.signum if isinstance(exc, Interrupted) else (
                signal.SIGINT if isinstance(exc, KeyboardInterrupt) else None
            )
            why = _WHY.get(signum, "") if signum else (str(exc) or type(exc).__name__)
            emit_quietly(ev.StepFailed(index, total, title, mask(why, actions.secrets)))
            restored, problems = _undo(journal, runner)
            emit_quietly(ev.Undone(tuple(restored), tuple(problems),
                                   signal.Signals(signum).name if signum else None))
            undone = restored + [f"COULD NOT: {p}" for p in problems]
            what = "; ".join(undone) if undone else "nothing had been changed"
            where = log.where[0].upper() + log.where[1:]
            message = mask(f"failed at '{step}': {why}. Undone: {what}. {where}", actions.secrets)
            emit_quietly(ev.Finished(False, message, log_path))
            if not isinstance(exc, (Exception, KeyboardInterrupt, Interrupted)):
                raise  # SystemExit and friends: undone, but not swallowed
            return Result(False, message, log_path, written, undone, signum is not None,
                          signal.Signals(signum).name if signum else None)
        finally:
            log.close()


def _undo(journal: Journal, runner: Runner) -> tuple[list[str], list[str]]:
    try:
        return journal.rollback(lambda before: _restore_sysctls(before, runner))
    except Exception as exc:  # a bug: say so, and leave the journal for --undo
        return [], [f"the undo stopped ({type(exc).__name__}: {exc}); run k3stui install --undo"]


def _write(f: FileAction, target: Path, root: str, journal: Journal) -> None:
    # Backups of config files stay after success; a replaced k3s binary or image archive (tens of
    # MB, and in the old bundle anyway) is kept only until the run has succeeded.
    journal.guard([target], keep=f.source is None, hardlink=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    rootpath.resolve_file(root, target, f.dest)  # again: a folder made just now could be a planted link
    if f.content is not None:
        fsio.atomic_write(target, f.content, f.mode)
    else:  # a bundle artifact: streamed, never held in memory
        _copy_verified(f.source or "", target, f.mode, f.sha256)


def _copy_verified(src: str, target: Path, mode: int, sha256: str | None) -> None:
    """Copy beside the target, check the copy's sha256 against the bundle's, then rename it into
    place: what is installed is exactly what was verified, whatever happened to `src` since."""
    if not sha256:
        raise StepFailed(f"{src}: no checksum to verify it against (make the bundle again)")
    staging = target.with_name(f".{target.name}.k3stui-verify-{_random.token_hex(4)}")
    try:
        fsio.atomic_copy(src, staging, 0o600)
        if fsio.sha256_file(staging) != sha256:
            raise StepFailed(
                f"{src} changed after the bundle was checked: its SHA-256 no longer matches SHA256SUMS; "
                "copy the bundle again"
            )
        os.chmod(staging, mode)
        os.replace(staging, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            staging.unlink()


def _run(
    c: CommandAction,
    guards: list[Path],
    dirs: dict[str, str],
    journal: Journal,
    sig: _Signals,
    out: OnOutput,
    runner: Runner,
) -> None:
    if c.kind == "sysctl":
        journal.note_sysctl(_read_sysctls(c.sysctl_keys))
    journal.guard(guards, keep=False, hardlink=False)  # the script may rewrite them in place
    sig.check()
    argv, env = list(c.argv), process_env({**c.env, **dirs})
    if c.download:
        import shutil
        import tempfile

        tmp = Path(tempfile.mkdtemp(prefix="k3stui-"))
        try:
            with sig.interruptible():
                download(c.download, tmp / "install.sh")
            argv[1] = str(tmp / "install.sh")
            code = runner(argv, env, out, sig.check)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    else:
        if c.script_sha256 and fsio.sha256_file(argv[1]) != c.script_sha256:
            raise StepFailed(
                f"{argv[1]} changed after the bundle was checked: its SHA-256 no longer matches SHA256SUMS; "
                "copy the bundle again"
            )
        code = runner(argv, env, out, sig.check)
    if code != 0:
        raise StepFailed(f"{c.description} exited with status {code}")


def _restore_sysctls(before: dict[str, str], runner: Runner) -> list[str]:
    done = []
    for key, value in before.items():
        with contextlib.suppress(Exception):
            if runner(["sysctl", "-w", f"{key}={value}"], process_env({}), _drop, _never) == 0:
                done.append(f"sysctl {key} back to {value}")
    return done


# --- k3stui install --undo ---------------------------------------------------------------------


def pending_undo(root: str) -> str | None:
    """Why an install may not start here yet: an earlier one left its journal (or None)."""
    try:
        path = Journal.pending(root)
    except WriteRefused as exc:
        return str(exc)
    return None if path is None else unfinished(root, path)


def undo_interrupted(root: str, on_event: OnEvent | None = None, *, runner: Runner = run_command) -> Result:
    """Finish the undo of an install that a SIGKILL or a power cut stopped (its journal)."""
    try:
        journal = Journal.load(root)
    except WriteRefused as exc:
        message = str(exc)
        ok = False
    else:
        if journal is None:
            message, ok = f"nothing to undo: no interrupted install under {root}", True
        else:
            with _Signals():  # recorded and ignored: the undo runs to its end
                restored, problems = _undo(journal, runner)
            if on_event:
                on_event(ev.Undone(tuple(restored), tuple(problems)))
            ok = not problems
            done = "; ".join(restored) or "nothing was left to undo"
            message = f"undid the interrupted install: {done}" + (
                "" if ok else f". COULD NOT: {'; '.join(problems)}"
            )
    if on_event:
        on_event(ev.Finished(ok, message))
    return Result(ok, message)
