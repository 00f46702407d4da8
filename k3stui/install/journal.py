"""The install's undo journal, on disk: what every path looked like before the run changed it.

It is written atomically before each change (`<root>/var/lib/k3stui/install-journal.json`), so an
undo interrupted by SIGKILL or a power cut can be finished by the next run (`k3stui install --undo`).
It holds:

- the listing of every folder the install writes (the binary and unit folders, the K3s config,
  manifests and images folders...), taken before anything changed: whatever appears there during
  the run is removed on undo (the install script's half-done `ln -sf` temp link included), and a
  folder that did not exist is removed with what is in it;
- one entry per file k3stui or the script replaces: its backup (a hard link for k3stui's own
  atomic writes, a copy for the script's files, which it may rewrite in place) or its old link
  target, or that it did not exist;
- the sysctl values to put back.

An entry is journaled before its backup is made and the backup before the change, so any prefix of
a run can be undone: a missing backup means the file was never touched.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import stat
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from k3stui import fsio
from k3stui.errors import WriteRefused
from k3stui.install import rootpath

JOURNAL_DIR = "/var/lib/k3stui"
JOURNAL_NAME = "install-journal.json"
_VERSION = 1
UNDO_COMMAND = "k3stui install --undo"


@dataclass
class Entry:
    target: str
    kind: str  # what was there before: "file" | "link" | "none" | "other" (a folder: left alone)
    keep: bool  # keep the backup after success (k3stui's config files); the script's files: no
    backup: str | None = None
    link: str | None = None


@dataclass
class Folder:
    path: str
    existed: bool
    # name -> (kind, inode, size, mtime_ns) before the run; a changed, unguarded one is reported
    entries: dict[str, list] = field(default_factory=dict)


def unfinished(root: str, path: Path) -> str:
    """What to say when an earlier run left its journal."""
    return (
        f"an earlier install here was interrupted before its undo finished ({path}); finish it "
        f"first: {UNDO_COMMAND}{'' if root == '/' else f' --root {root}'}"
    )


def _signature(p: Path) -> list | None:
    try:
        st = p.lstat()
    except FileNotFoundError:
        return None
    kind = "dir" if stat.S_ISDIR(st.st_mode) else "link" if stat.S_ISLNK(st.st_mode) else "file"
    if kind == "dir":
        return [kind, 0, 0, 0]  # what is inside a sub-folder is not ours to judge
    return [kind, st.st_ino, st.st_size, st.st_mtime_ns]


def _backup_name(target: Path) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%S")
    dest = target.with_name(f"{target.name}.k3stui-{stamp}.bak")
    n = 1
    while os.path.lexists(dest):
        dest = target.with_name(f"{target.name}.k3stui-{stamp}-{n}.bak")
        n += 1
    return dest


def _copy_exactly(src: Path, dest: Path) -> None:
    """Bytes, mode, owner and times, appearing atomically (a temp name first)."""
    tmp = dest.with_name(f".{dest.name}.k3stui-tmp")
    shutil.copy2(src, tmp, follow_symlinks=False)
    st = src.lstat()
    with contextlib.suppress(PermissionError):
        os.chown(tmp, st.st_uid, st.st_gid, follow_symlinks=False)
    os.chmod(tmp, stat.S_IMODE(st.st_mode))  # chown clears set-uid bits: put the mode back
    os.replace(tmp, dest)


def _remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p)
    else:
        p.unlink()


class JournalBusy(WriteRefused):
    """Another k3stui install holds the journal."""


class Journal:
    """One install's journal. `Journal.begin` takes the lock and writes the first version."""

    def __init__(self, root: str, path: Path, data: dict, lock_fd: int | None) -> None:
        self.root, self.path, self.lock_fd = root, path, lock_fd
        self.entries = [Entry(**e) for e in data.get("entries", [])]
        self.folders = [Folder(**f) for f in data.get("folders", [])]
        self.missing: list[str] = list(data.get("missing", []))  # folders made, deepest first
        self.sysctl: dict[str, str] = dict(data.get("sysctl", {}))
        self.state: str = data.get("state", "running")
        self.made_dirs: list[str] = list(data.get("made_dirs", []))  # for the journal, deepest first
        self.started: str = data.get("started", "")
        self._seen = {e.target for e in self.entries}

    # --- on disk ------------------------------------------------------------------------------

    @staticmethod
    def location(root: str) -> Path:
        """The journal's path, resolved under the root (refused when a symlink leads out)."""
        rel = JOURNAL_DIR.lstrip("/")
        return rootpath.resolve_dir(root, Path(root) / rel, "the journal folder") / JOURNAL_NAME

    def _save(self) -> None:
        data = {
            "version": _VERSION,
            "state": self.state,
            "root": self.root,
            "started": self.started,
            "made_dirs": self.made_dirs,
            "missing": self.missing,
            "folders": [asdict(f) for f in self.folders],
            "entries": [asdict(e) for e in self.entries],
            "sysctl": self.sysctl,
        }
        fsio.atomic_write(self.path, json.dumps(data, indent=1).encode(), 0o600)

    @classmethod
    def _lock(cls, directory: Path) -> int:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise JournalBusy(f"another k3stui install is running here (it holds {directory})") from None
        return fd

    @classmethod
    def pending(cls, root: str) -> Path | None:
        """The journal an interrupted run left, if any."""
        p = cls.location(root)
        return p if os.path.lexists(p) else None

    @classmethod
    def begin(cls, root: str, folders: list[Path]) -> Journal:
        """Lock, refuse when an earlier run left a journal, list the folders, write it."""
        path = cls.location(root)
        made: list[Path] = []
        d = path.parent
        while not d.exists():
            made.append(d)
            d = d.parent
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = cls._lock(path.parent)
        j = cls(root, path, {"made_dirs": [str(m) for m in made]}, fd)
        try:
            if os.path.lexists(path):
                raise WriteRefused(unfinished(root, path))
            j.started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            j._watch(folders)
            j._save()
        except BaseException:
            j.close()
            if not os.path.lexists(path):
                for m in made:
                    with contextlib.suppress(OSError):
                        m.rmdir()
            raise
        return j

    @classmethod
    def load(cls, root: str) -> Journal | None:
        path = cls.location(root)
        if not os.path.lexists(path):
            return None
        fd = cls._lock(path.parent)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("version") != _VERSION:
                raise ValueError("not a k3stui install journal of this version")
            j = cls(root, path, data, fd)
            j._inside_root()
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            os.close(fd)
            raise WriteRefused(f"{path}: cannot be read ({exc}); look at it and remove it by hand") from exc
        return j

    def _inside_root(self) -> None:
        """An undo removes what the journal names: never anything outside the root."""
        base = rootpath.real_root(self.root)
        named = [e.target for e in self.entries] + [e.backup for e in self.entries if e.backup]
        named += [f.path for f in self.folders] + self.missing + self.made_dirs
        for p in named:
            q = Path(os.path.normpath(p))
            if not q.is_absolute() or (q != base and base not in q.parents):
                raise ValueError(f"it names {p}, outside {base}")

    def close(self) -> None:
        if self.lock_fd is not None:
            os.close(self.lock_fd)
            self.lock_fd = None

    # --- recording, before each change ------------------------------------------------------------

    def _watch(self, folders: list[Path]) -> None:
        missing = set(self.missing)
        for f in dict.fromkeys(folders):
            if f.is_dir():
                entries = {n: _signature(f / n) for n in os.listdir(f)}
                self.folders.append(Folder(str(f), True, {n: s for n, s in entries.items() if s}))
                continue
            self.folders.append(Folder(str(f), False))
            d = f
            while not d.exists():
                missing.add(str(d))
                d = d.parent
        self.missing = sorted(missing, key=lambda p: p.count("/"), reverse=True)

    def guard(self, targets: list[Path], *, keep: bool, hardlink: bool) -> None:
        """Journal each target's state, then back it up. `hardlink`: the change will replace the
        file (a new inode), so a link keeps the old one whole; otherwise a copy."""
        new = [t for t in targets if str(t) not in self._seen]
        if not new:
            return
        made = []
        for t in new:
            self._seen.add(str(t))
            if t.is_symlink():
                e = Entry(str(t), "link", keep, link=os.readlink(t))
            elif t.is_file():
                e = Entry(str(t), "file", keep, backup=str(_backup_name(t)))
                made.append(e)
            elif os.path.lexists(t):
                e = Entry(str(t), "other", keep)
            else:
                e = Entry(str(t), "none", keep)
            self.entries.append(e)
        self._save()  # before any backup exists: a crash now leaves nothing to clean
        for e in made:
            src, dest = Path(e.target), Path(e.backup or "")
            if hardlink:
                try:
                    os.link(src, dest)
                    continue
                except OSError:
                    pass  # a file system without hard links: copy
            _copy_exactly(src, dest)

    def note_sysctl(self, before: dict[str, str]) -> None:
        self.sysctl = dict(before)
        self._save()

    # --- the end ------------------------------------------------------------------------------

    def commit(self) -> list[str]:
        """Success: drop the backups nobody needs (what the install script replaced) and the
        journal; return the backups kept beside the files k3stui replaced."""
        self.state = "committed"
        try:
            self._save()
        except BaseException:
            self.state = "running"  # not recorded as done: the caller's undo must still undo
            raise
        kept = []
        for e in self.entries:
            if e.backup is None or not os.path.lexists(e.backup):
                continue
            if e.keep:
                kept.append(e.backup)
            else:
                os.unlink(e.backup)
        self._finish()
        return kept

    def rollback(self, restore_sysctl: Callable[[dict[str, str]], list[str]] | None = None
                 ) -> tuple[list[str], list[str]]:
        """Put everything back; (what was restored or removed, what could not be). The journal
        stays when a restore failed, so `k3stui install --undo` can try again."""
        if self.state == "committed":  # the run had succeeded; only its clean-up was cut short
            self.commit()
            return ["the interrupted run had finished; its spare backups are removed"], []
        done: list[str] = []
        problems: list[str] = []
        failed = False
        for e in reversed(self.entries):
            try:
                line = self._restore(e)
            except OSError as exc:
                problems.append(f"could not restore {e.target}: {exc.strerror or exc}")
                failed = True
                continue
            if line:
                done.append(line)
        guarded = {e.target for e in self.entries} | {e.backup for e in self.entries if e.backup}
        for f in self.folders:
            failed = self._sweep(f, guarded, done, problems) or failed
        for m in self.missing:  # deepest first; only when empty: something else may live there now
            with contextlib.suppress(OSError):
                os.rmdir(m)
        if self.sysctl and restore_sysctl is not None:
            done += restore_sysctl(self.sysctl)
        if not failed:
            self._finish()
        return done, problems

    def _restore(self, e: Entry) -> str | None:
        t = Path(e.target)
        if e.kind == "file":
            b = Path(e.backup or "")
            if not os.path.lexists(b):
                return None  # journaled, never backed up, so never changed
            if t.is_dir() and not t.is_symlink():
                shutil.rmtree(t)
            os.replace(b, t)
            if os.path.lexists(b) and os.path.samefile(b, t):
                os.unlink(b)  # rename between two links of one file does nothing
            return f"restored {t}"
        if e.kind == "link":
            if (os.path.lexists(t) and not t.is_symlink()) or (t.is_symlink() and os.readlink(t) != e.link):
                tmp = t.with_name(f".{t.name}.k3stui-link")
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
                os.symlink(e.link or "", tmp)
                if t.is_dir() and not t.is_symlink():
                    shutil.rmtree(t)
                os.replace(tmp, t)
                return f"restored link {t}"
            if not os.path.lexists(t):
                os.symlink(e.link or "", t)
                return f"restored link {t}"
            return None
        if e.kind == "none" and os.path.lexists(t):
            _remove(t)
            return f"removed {t}"
        return None

    def _sweep(self, f: Folder, guarded: set[str], done: list[str], problems: list[str]) -> bool:
        """Remove what appeared in a folder the install writes; True when something could not be."""
        p = Path(f.path)
        if not f.existed:
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
                if p.exists():
                    problems.append(f"could not remove {p} (made by the install)")
                    return True
                done.append(f"removed {p}")
            return False
        try:
            names = os.listdir(p)
        except FileNotFoundError:
            problems.append(f"{p} is gone (it was there before the install)")
            return False
        failed = False
        for n in names:
            q = p / n
            if str(q) in guarded:
                continue
            before = f.entries.get(n)
            if before is None:
                try:
                    _remove(q)
                    done.append(f"removed {q}")
                except OSError as exc:
                    problems.append(f"could not remove {q}: {exc.strerror or exc}")
                    failed = True
            elif _signature(q) != before:
                problems.append(f"{q} changed during the install and k3stui had no copy of it")
        return failed

    def _finish(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        for stray in self.path.parent.glob(f".{JOURNAL_NAME}.*.k3stui-tmp"):  # a save cut short
            stray.unlink(missing_ok=True)
        self.close()
        for m in self.made_dirs:
            with contextlib.suppress(OSError):
                os.rmdir(m)
