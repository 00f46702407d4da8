"""Carry out `Actions`: write files (atomically, backups first), apply sysctls, run the K3s
install script through `sh` (env + argv, never a shell string), stream its output line by line.

Any failure (a write, the script's exit code, Ctrl-C, SIGTERM) undoes everything done so far:
replaced files come back from their backups, new files and the folders made for them go, sysctl
values are put back. The log (secrets masked) is kept in `actions.log_path`.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from k3stui import fsio
from k3stui.install.actions import Actions, CommandAction, FileAction, command_text, mask

OnLine = Callable[[str], None]
# What the script inherits from us: enough to run, nothing that could carry a K3S_* value.
_PASS_ENV = ("PATH", "HOME", "LANG", "TERM")
_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class StepFailed(Exception):
    pass


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so the same undo path runs as for Ctrl-C."""


@dataclass
class Result:
    ok: bool
    message: str
    log_path: str | None = None
    written: list[str] = field(default_factory=list)
    undone: list[str] = field(default_factory=list)
    interrupted: bool = False


# --- undo journal --------------------------------------------------------------------------------


@dataclass
class _Entry:
    target: Path
    backup: Path | None  # the previous file, moved back on undo
    link: str | None  # the previous symlink's target
    existed: bool
    made_dirs: list[Path]
    keep: bool  # keep the backup after success (our files); the script's own files: no


class Journal:
    """Records each path's state before its first change, so `rollback` restores it exactly."""

    def __init__(self) -> None:
        self.entries: list[_Entry] = []
        self._seen: set[Path] = set()

    def guard(self, target: Path, *, keep: bool = True) -> None:
        if target in self._seen:
            return
        self._seen.add(target)
        made = []
        parent = target.parent
        while not parent.exists():
            made.append(parent)
            parent = parent.parent
        backup = link = None
        existed = target.is_symlink() or target.exists()
        if target.is_symlink():
            link = os.readlink(target)
        elif target.is_file():
            backup = fsio.backup(target)
        self.entries.append(_Entry(target, backup, link, existed, made, keep))

    def commit(self) -> list[Path]:
        """Success: drop the backups nobody needs (what the install script replaced itself);
        return the ones kept beside the files k3stui replaced."""
        kept = []
        for e in self.entries:
            if e.backup is None:
                continue
            if e.keep:
                kept.append(e.backup)
            else:
                e.backup.unlink(missing_ok=True)
        self.entries.clear()
        return kept

    def rollback(self) -> list[str]:
        done = []
        for e in reversed(self.entries):
            try:
                if e.backup is not None:
                    if e.target.is_symlink() or e.target.is_file():
                        e.target.unlink()
                    os.replace(e.backup, e.target)
                    done.append(f"restored {e.target}")
                elif e.link is not None:
                    if e.target.is_symlink() or e.target.exists():
                        e.target.unlink()
                    os.symlink(e.link, e.target)
                    done.append(f"restored link {e.target}")
                elif not e.existed and (e.target.is_symlink() or e.target.is_file()):
                    e.target.unlink()
                    done.append(f"removed {e.target}")
                for d in e.made_dirs:  # deepest first
                    with contextlib.suppress(OSError):
                        d.rmdir()  # only when empty: something else may live there now
            except OSError as exc:
                done.append(f"COULD NOT restore {e.target}: {exc}")
        self.entries.clear()
        return done


# --- commands --------------------------------------------------------------------------------------


def process_env(env: dict[str, str]) -> dict[str, str]:
    base = {k: os.environ[k] for k in _PASS_ENV if k in os.environ}
    base.setdefault("PATH", _DEFAULT_PATH)
    return {**base, **env}


def run_command(argv: Sequence[str], env: dict[str, str], on_line: OnLine, *, cwd: str | None = None) -> int:
    """Run argv (no shell), env exactly as given; call on_line for each output line in the
    caller's thread (so a KeyboardInterrupt raised there, or by Ctrl-C, stops the process)."""
    import sh

    lines: queue.Queue[str] = queue.Queue()
    proc = sh.Command(argv[0])(
        *argv[1:],
        _env=env,
        _out=lines.put,
        _err_to_out=True,
        _bg=True,
        _bg_exc=False,
        _ok_code=list(range(256)),
        _cwd=cwd,
        _in=b"",
        _decode_errors="replace",
        _new_group=True,  # so stopping it stops what it started too (curl, systemctl)
    )
    try:
        while True:
            try:
                line = lines.get(timeout=0.05)
            except queue.Empty:
                if not proc.is_alive():
                    break
                continue
            on_line(line.rstrip("\n"))
        proc.wait()
        while not lines.empty():
            on_line(lines.get().rstrip("\n"))
        return int(proc.exit_code)
    except BaseException:
        with contextlib.suppress(Exception):
            proc.process.signal_group(signal.SIGTERM)
            for _ in range(50):
                if not proc.is_alive():
                    break
                time.sleep(0.05)
            else:
                proc.process.kill_group()
        raise


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


# --- the run -------------------------------------------------------------------------------------


class _Log:
    def __init__(self, path: str, secrets: Sequence[str], on_line: OnLine) -> None:
        self.path, self.secrets, self.on_line = Path(path), secrets, on_line
        self.fh = None
        self.problem = ""  # why there is no log file, said where the log would be named
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self.fh = os.fdopen(fd, "a", encoding="utf-8")
        except OSError as exc:
            self.problem = f"no log file ({self.path}: {exc.strerror or exc})"
            on_line(f"note: {self.problem}; the output is shown here only")

    @property
    def where(self) -> str:
        return self.problem or f"log: {self.path}"

    def __call__(self, line: str, *, echo: bool = True) -> None:
        line = mask(line, self.secrets)
        if self.fh:
            self.fh.write(line + "\n")
            self.fh.flush()
        if echo:
            self.on_line(line)

    def close(self) -> None:
        if self.fh:
            self.fh.close()


def run_actions(actions: Actions, on_line: OnLine, *, runner: Callable[..., int] = run_command) -> Result:
    """Do it. Refused actions (preflight errors) change nothing."""
    if actions.refused:
        return Result(False, "refused: preflight found errors; nothing was changed")
    log = _Log(actions.log_path, actions.secrets, on_line)
    journal = Journal()
    sysctl_before: dict[str, str] = {}
    written: list[str] = []
    step = "starting"
    old_term = _trap_sigterm()
    try:
        for f in actions.files:
            if not f.changed:
                log(f"unchanged: {f.dest}")
                continue
            step = f"writing {f.dest}"
            log(step)
            _write(f, actions.root, journal)
            written.append(f.dest)
        for c in actions.commands:
            step = c.description
            if c.skip:
                log(f"skipped {c.description}: {c.skip}")
                continue
            log(f"running: {command_text(c, actions.secrets)}")
            if c.kind == "sysctl":
                sysctl_before = _read_sysctls(c.sysctl_keys)
            code = _run(c, actions.root, journal, log, runner)
            if code != 0:
                raise StepFailed(f"{c.description} exited with status {code}")
        kept = [str(b) for b in journal.commit()]
        log("done" + (f"; backups kept: {', '.join(kept)}" if kept else ""))
        return Result(
            True, f"installed the K3s {actions.role}; {log.where}", actions.log_path, written
        )
    except BaseException as exc:
        interrupted = isinstance(exc, (KeyboardInterrupt, Terminated))
        why = (
            "interrupted (Ctrl-C)"
            if isinstance(exc, KeyboardInterrupt)
            else "terminated (SIGTERM)"
            if isinstance(exc, Terminated)
            else str(exc) or type(exc).__name__
        )
        with _no_interrupts():  # a second Ctrl-C must not stop the undo halfway
            undone = journal.rollback()
            undone += _restore_sysctls(sysctl_before, runner, log)
        for line in undone:
            log(f"undo: {line}")
        what = "; ".join(undone) if undone else "nothing had been changed"
        message = mask(f"failed at '{step}': {why}. Undone: {what}. {log.where[0].upper()}{log.where[1:]}",
                       actions.secrets)
        log(message, echo=False)  # the caller shows Result.message
        if not isinstance(exc, (Exception, KeyboardInterrupt, Terminated)):
            raise  # SystemExit and friends: undone, but not swallowed
        return Result(False, message, actions.log_path, written, undone, interrupted)
    finally:
        _restore_sigterm(old_term)
        log.close()


def _write(f: FileAction, root: str, journal: Journal) -> None:
    target = fsio.under_root(root, f.dest) if root != "/" else Path(f.dest)
    # Backups of config files stay after success; a replaced k3s binary or image archive (tens of
    # MB, and in the old bundle anyway) is kept only until the run has succeeded.
    journal.guard(target, keep=f.source is None)
    target.parent.mkdir(parents=True, exist_ok=True)
    if f.content is not None:
        fsio.atomic_write(target, f.content, f.mode)
    else:  # a bundle artifact: streamed, never held in memory
        fsio.atomic_copy(f.source or "", target, f.mode)


def _run(c: CommandAction, root: str, journal: Journal, log: OnLine, runner: Callable[..., int]) -> int:
    for g in c.guard:
        journal.guard(Path(g), keep=False)
    argv = list(c.argv)
    if not c.download:
        return runner(argv, process_env(c.env), log)
    import shutil
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="k3stui-"))
    try:
        log(f"downloading {c.download}")
        download(c.download, tmp / "install.sh")
        argv[1] = str(tmp / "install.sh")
        return runner(argv, process_env(c.env), log)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _restore_sysctls(before: dict[str, str], runner: Callable[..., int], log: OnLine) -> list[str]:
    out = []
    for key, value in before.items():
        with contextlib.suppress(Exception):
            if runner(["sysctl", "-w", f"{key}={value}"], process_env({}), log) == 0:
                out.append(f"sysctl {key} back to {value}")
    return out


@contextlib.contextmanager
def _no_interrupts() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _trap_sigterm() -> object:
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum: int, frame: object) -> None:
        raise Terminated()

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:
        return None


def _restore_sigterm(old: object) -> None:
    if old is not None:
        with contextlib.suppress(ValueError, TypeError):
            signal.signal(signal.SIGTERM, old)  # type: ignore[arg-type]
