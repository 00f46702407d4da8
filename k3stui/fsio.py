"""Every write k3stui makes goes through here: atomic, inside a root, never over a file
without a backup. Renderers return data; this module is the only one that touches disk.

`read_input` is the one reader of every input file (configs, presets, net-conf.json, the
config a merge updates): regular files only (a FIFO would block forever, /dev/zero never end),
size capped, every failure an `InputError` naming the file. Write failures (disk full, read-only,
permission denied) are `WriteFailed` (exit 2) naming the file, never a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

from k3stui.errors import InputError, WriteRefused

# tempfile, shutil and hashlib are imported where they are used: `check --config` reads through
# here and writes nothing.

# K3s configs, presets and net-conf.json files are a few kB; anything this big is not one.
MAX_INPUT_BYTES = 4 << 20
# Staged files written before their fsyncs (and open at once) at most.
_SYNC_BATCH = 64
# Temp names carry the target's name for people; cut it so a 255-character name still fits.
_NAME_IN_TEMP = 64

_WRITE_HINTS = {
    errno.ENOSPC: "the disk is full; free some space or write somewhere else",
    errno.EDQUOT: "the disk quota is used up; free some space or write somewhere else",
    errno.EROFS: "the file system is read-only; choose another place",
    errno.EACCES: "permission denied; run k3stui as a user that may write there (e.g. with sudo) "
                  "or choose another place",
    errno.EPERM: "not permitted; run k3stui as a user that may write there or choose another place",
    errno.ENAMETOOLONG: "a name is too long (at most 255 characters per name); choose a shorter one",
    errno.ENOENT: "its folder does not exist; create it first or choose another place",
    errno.ENOTDIR: "a part of the path is a file, not a folder; check the path",
    errno.EEXIST: "a file is in the way (a part of the path is a file, not a folder); check the path",
}


class WriteFailed(WriteRefused, OSError):
    """A write the system refused (disk full, read-only, permission). Also an OSError, so code
    that undoes on OSError (the installer) still does."""

    def __str__(self) -> str:
        return str(self.strerror if len(self.args) == 2 else super().__str__())


def write_failed(path: str | os.PathLike[str], exc: OSError) -> WriteFailed:
    hint = _WRITE_HINTS.get(exc.errno or 0, exc.strerror or str(exc))
    return WriteFailed(exc.errno or 0, f"{path}: cannot write it: {hint}")


def read_input(path: str | os.PathLike[str], what: str = "file", *,
               limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of an input file, or InputError naming it and the fix. Opened without blocking
    and checked to be a regular file before a byte is read; more than `limit` bytes is refused."""
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InputError(f"{p}: no such {what}; check the path") from None
    except IsADirectoryError:
        raise InputError(_is_a_folder(p, what)) from None
    except PermissionError:
        raise InputError(f"{p}: permission denied; run k3stui as a user that can read it "
                         "(e.g. with sudo) or copy the file") from None
    except ValueError:  # an embedded NUL byte
        raise InputError(f"{str(p)!r}: a path cannot contain a NUL byte; check the {what} path") from None
    except OSError as exc:
        raise InputError(_read_problem(p, exc)) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError(_is_a_folder(p, what))
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{p}: is {_kind(st.st_mode)}, not a regular file; k3stui reads a {what} "
                             "only from a regular file (copy it into one)")
        if st.st_size > limit:
            raise InputError(f"{p}: {st.st_size} bytes is too big for a {what} (at most {limit}); "
                             "check the path")
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(limit + 1)  # the size can grow after fstat: read at most one byte more
    except OSError as exc:
        raise InputError(_read_problem(p, exc)) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise InputError(f"{p}: more than {limit} bytes is too big for a {what}; check the path")
    return data


def _is_a_folder(p: Path, what: str) -> str:
    hint = "; for a config.yaml.d folder use --config-dir" if what.startswith("config") else ""
    return f"{p}: is a directory, expected a {what}{hint}"


def _read_problem(p: Path, exc: OSError) -> str:
    if exc.errno == errno.ENAMETOOLONG:
        return f"{p}: the path is too long (at most 255 characters per name); check it"
    return f"{p}: cannot read it: {exc.strerror or exc}"


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


class _HasPath(Protocol):
    path: str
    mode: int
    content: bytes | None  # None: copy from `source` (big artifacts are never held in memory)


Check = Callable[[bytes], None]


@contextlib.contextmanager
def _replacing(path: str | os.PathLike[str], mode: int, check: Check | None = None,
               expect: bytes | bool | None = False) -> Iterator[BinaryIO]:
    """A temp file beside `path` (mode set exactly; umask does not apply) that becomes `path` by
    fsync + os.replace when the block ends: readers see the old file or the new one, never half.
    `check(bytes read back from the temp file)` may refuse it; `expect` (unless False) is what
    `path` must still hold right before the replace (None: must not exist), or it is refused.
    On any error, or Ctrl-C, the temp file is removed and `path` is untouched."""
    target = Path(path)
    try:
        import tempfile

        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:_NAME_IN_TEMP]}.",
                                   suffix=".k3stui-tmp")
    except OSError as exc:
        raise write_failed(target, exc) from None
    try:
        with os.fdopen(fd, "w+b") as fh:
            os.fchmod(fh.fileno(), mode)
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
            if check is not None:
                fh.seek(0)
                check(fh.read())
        if expect is not False and _current(target) != expect:
            raise WriteRefused(f"{target}: it changed while k3stui was updating it; nothing written. "
                               "Run the command again")
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, WriteFailed):
            raise
        raise write_failed(target, exc) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)


def _current(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def atomic_write(path: str | os.PathLike[str], data: bytes, mode: int = 0o644, *,
                 check: Check | None = None, expect: bytes | bool | None = False) -> Path:
    """Write `data` to `path` atomically with exactly `mode`; `check` and `expect` as in
    `_replacing` (a merge verifies what it wrote and that nobody changed the file meanwhile)."""
    with _replacing(path, mode, check, expect) as fh:
        fh.write(data)
    return Path(path)


@contextlib.contextmanager
def locked(path: str | os.PathLike[str]) -> Iterator[None]:
    """An exclusive lock, between k3stui processes, on updating `path`: flock on its folder (the
    file itself is replaced by rename, so a lock on it would lock a file that is gone)."""
    folder = Path(path).parent
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise write_failed(path, exc) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released on close, also if the process dies
        yield
    finally:
        os.close(fd)


def atomic_copy(src: str | os.PathLike[str], dest: str | os.PathLike[str], mode: int = 0o644) -> Path:
    """`atomic_write` for big files (K3s binary, image archives): streamed in 1 MiB blocks."""
    with _replacing(dest, mode) as out, open(src, "rb") as inp:
        import shutil

        shutil.copyfileobj(inp, out, 1 << 20)
    return Path(dest)


def sha256_file(path: str | os.PathLike[str]) -> str:
    """sha256 of a file, streamed."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a directory; the rename is still atomic
    finally:
        os.close(fd)


def backup(path: str | os.PathLike[str], mode: int | None = None) -> Path:
    """Copy `path` to `path.k3stui-YYYYmmddTHHMMSS.bak` (same mode, or `mode`) and return the copy's
    path."""
    src = Path(path)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    dest = src.with_name(f"{src.name}.k3stui-{stamp}.bak")
    n = 1
    while dest.exists():  # two backups within a second
        dest = src.with_name(f"{src.name}.k3stui-{stamp}-{n}.bak")
        n += 1
    try:
        mode = src.stat().st_mode & 0o7777 if mode is None else mode
        data = src.read_bytes()
    except OSError as exc:
        raise write_failed(dest, exc) from None
    return atomic_write(dest, data, mode)


def _relative_parts(abs_path: str) -> list[str]:
    """The parts of `abs_path` below its root; refuses `..` and NUL (no file system access)."""
    if "\0" in abs_path:
        raise WriteRefused(f"path contains a NUL byte: {abs_path!r}")
    rel = [p for p in PurePosixPath(abs_path).parts if p != "/"]
    if not rel or any(p == ".." for p in rel):
        raise WriteRefused(f"refusing path {abs_path!r}: it must name a file and not contain '..'")
    return rel


def under_root(root: str | os.PathLike[str], abs_path: str) -> Path:
    """`abs_path` (absolute or relative) placed under `root`; refuses `..`, NUL and symlinks that
    lead out of root."""
    rel = _relative_parts(abs_path)
    base = Path(root).resolve()
    candidate = base.joinpath(*rel)
    resolved = candidate.resolve()  # follows symlinks of the parts that exist
    if resolved != base and base not in resolved.parents:
        raise WriteRefused(f"refusing {abs_path!r}: it leads outside {base}")
    return candidate


def write_tree(out_dir: str | os.PathLike[str], files: Iterable[_HasPath], force: bool = False) -> list[Path]:
    """Write every file under `out_dir` with its mode. A non-empty `out_dir` is refused unless
    `force` (then files are replaced, others left alone). The files are written into a temp folder
    beside `out_dir` first, which then becomes `out_dir` by one rename (or, with --force into a
    folder that has files, each file by its own rename): a failure leaves no half folder.
    Durable at one fsync per file and one per folder: a staged file needs no temp file and
    rename of its own, as nobody sees the staging folder before it is published. The files are
    written first (each one's write-back started) and then fsynced, one after the other, in batches
    of `_SYNC_BATCH`: the same syncs, with much of the data already on its way."""
    out = Path(out_dir)
    items = list(files)
    parts = [_relative_parts(f.path) for f in items]  # a path refused before anything is made
    try:
        if out.exists() and not out.is_dir():
            raise WriteRefused(f"{out} exists and is not a folder")
        filled = out.is_dir() and any(out.iterdir())
        if filled and not force:
            raise WriteRefused(f"{out} is not empty; choose an empty folder or add --force")
        out.absolute().parent.mkdir(parents=True, exist_ok=True)
        staging = _staging_folder(out.absolute().parent, f".{out.name[:_NAME_IN_TEMP]}.")
    except OSError as exc:
        raise write_failed(out, exc) from None
    folders = {str(staging): None}  # every folder of the staging tree, each parent before its children
    pending: list[tuple[str, int]] = []  # staged files written, still open, not yet fsynced
    try:
        for f, rel in zip(items, parts, strict=True):
            # Placed by its parts alone: the staging folder is ours, made 0700 just now, and holds only
            # what this loop made (no symlink to follow); the files are opened with O_NOFOLLOW anyway.
            target = os.path.join(staging, *rel)
            _staged_folders(os.path.dirname(target), folders, out)
            pending.append((target, _write_staged(Path(target), f)))
            if len(pending) == _SYNC_BATCH:
                _sync_and_close(pending)
        _sync_and_close(pending)  # every file, before its folder and before anything is published
        # Each folder's new entries made durable by an fsync of that folder (POSIX says no more).
        for folder in folders:
            _fsync_dir(Path(folder))
        if filled:
            _move_into(staging, out, items)
        else:
            _publish(staging, out, list(folders)[1:])
    finally:
        for _, fd in pending:  # left open by an error
            os.close(fd)
        if os.path.lexists(staging):  # published: renamed away, nothing to remove
            import shutil

            shutil.rmtree(staging, ignore_errors=True)
    base = out.resolve()  # what under_root(out, ...) would give, without resolving each file anew
    return [base.joinpath(*rel) for rel in parts]


def _staging_folder(parent: Path, prefix: str) -> Path:
    """A new folder (0700) in `parent` that this run alone uses. Its name carries the process id, so
    that a render need not import tempfile (and with it shutil, bz2, lzma and random: a twentieth of
    the render); mkdir never follows or reuses what is there, and when the name is taken (left by a
    killed run whose id came back, or planted) tempfile.mkdtemp finds a free random one."""
    path = parent / f"{prefix}{os.getpid()}.k3stui-tmp"
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        import tempfile

        return Path(tempfile.mkdtemp(dir=parent, prefix=prefix, suffix=".k3stui-tmp"))
    return path


def _staged_folders(folder: str, folders: dict[str, None], shown: Path) -> None:
    """Make `folder` and its missing parents in the staging tree, adding each to `folders` (which
    holds every folder made so far: nothing else makes any there)."""
    missing = []
    while folder not in folders:
        missing.append(folder)
        folder = os.path.dirname(folder)
    for made in reversed(missing):
        try:
            os.mkdir(made)
        except OSError as exc:  # a staged file in the way; disk full
            raise write_failed(shown, exc) from None
        folders[made] = None


def _write_staged(target: Path, f: _HasPath) -> int:
    """A file of write_tree's staging folder, which nobody sees before it is published: written in
    place (exact mode, no symlink followed, no temp file and rename of its own), its write-back
    started, and left open for `_sync_and_close`."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise write_failed(target, exc) from None
    try:
        os.fchmod(fd, f.mode)
        with open(fd, "wb", closefd=False) as fh:
            content = f.content
            if content is None:
                with open(f.source, "rb") as inp:  # type: ignore[attr-defined]
                    import shutil

                    shutil.copyfileobj(inp, fh, 1 << 20)
            else:
                fh.write(content)
        _start_writeback(fd)
    except OSError as exc:
        os.close(fd)
        raise write_failed(target, exc) from None
    except BaseException:
        os.close(fd)
        raise
    return fd


def _start_writeback(fd: int) -> None:
    """Ask the kernel to start writing the file out now (POSIX_FADV_DONTNEED does on Linux, as
    PostgreSQL's pg_flush_data uses it): when the fsyncs come, after every file is written, most of
    the data is on its way, and one journal commit can carry many files' blocks. Only a hint: each
    file is still fsynced; where it is missing or refused nothing changes."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is not None:
        with contextlib.suppress(OSError):
            advise(fd, 0, 0, os.POSIX_FADV_DONTNEED)


def _sync_and_close(pending: list[tuple[str, int]]) -> None:
    """fsync each staged file of `pending` (path, open fd), one after the other, close them all and
    empty `pending`; a failed fsync raises WriteFailed naming its file."""
    try:
        for target, fd in pending:
            try:
                os.fsync(fd)
            except OSError as exc:
                raise write_failed(target, exc) from None
    finally:
        for _, fd in pending:
            os.close(fd)
        pending.clear()


def _mkdirs(folder: Path, shown: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_failed(shown, exc) from None


def _umask() -> int:
    """The process umask without setting it (os.umask would change it for other threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _publish(staging: Path, out: Path, folders: list[str]) -> None:
    """The staged folder becomes `out` (missing or empty: rename replaces an empty folder, whose
    mode the new one keeps). It was made 0700: give it and its `folders` the mode mkdir would."""
    try:
        mode = 0o777 & ~_umask()
        for folder in folders:
            os.chmod(folder, mode)
        os.chmod(staging, stat.S_IMODE(out.stat().st_mode) if out.is_dir() else mode)
        os.rename(staging, out)
    except OSError as exc:
        raise write_failed(out, exc) from None
    _fsync_dir(out.absolute().parent)


def _move_into(staging: Path, out: Path, items: list[_HasPath]) -> None:
    """--force into a folder with files: each staged file replaces its namesake (atomic each)."""
    for f in items:
        target = under_root(out, f.path)
        _mkdirs(target.parent, out)
        under_root(out, f.path)  # again: a parent created above could be a symlink planted meanwhile
        try:
            os.replace(under_root(staging, f.path), target)
        except OSError as exc:
            raise write_failed(target, exc) from None
    _fsync_dir(out)  # the renames, once (see write_tree)
