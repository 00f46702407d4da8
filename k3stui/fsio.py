"""Every write k3stui makes goes through here: atomic, inside a root, never over a file
without a backup. Renderers return data; this module is the only one that touches disk."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

from k3stui.errors import WriteRefused


class _HasPath(Protocol):
    path: str
    mode: int
    content: bytes | None  # None: copy from `source` (big artifacts are never held in memory)


@contextlib.contextmanager
def _replacing(path: str | os.PathLike[str], mode: int) -> Iterator[BinaryIO]:
    """A temp file beside `path` (mode set exactly; umask does not apply) that becomes `path` by
    fsync + os.replace when the block ends: readers see the old file or the new one, never half.
    On any error, or Ctrl-C, the temp file is removed and `path` is untouched."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".k3stui-tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)


def atomic_write(path: str | os.PathLike[str], data: bytes, mode: int = 0o644) -> Path:
    """Write `data` to `path` atomically with exactly `mode`."""
    with _replacing(path, mode) as fh:
        fh.write(data)
    return Path(path)


def atomic_copy(src: str | os.PathLike[str], dest: str | os.PathLike[str], mode: int = 0o644) -> Path:
    """`atomic_write` for big files (K3s binary, image archives): streamed in 1 MiB blocks."""
    with _replacing(dest, mode) as out, open(src, "rb") as inp:
        shutil.copyfileobj(inp, out, 1 << 20)
    return Path(dest)


def sha256_file(path: str | os.PathLike[str]) -> str:
    """sha256 of a file, streamed."""
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


def backup(path: str | os.PathLike[str]) -> Path:
    """Copy `path` to `path.k3stui-YYYYmmddTHHMMSS.bak` (same mode) and return the copy's path."""
    src = Path(path)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    dest = src.with_name(f"{src.name}.k3stui-{stamp}.bak")
    n = 1
    while dest.exists():  # two backups within a second
        dest = src.with_name(f"{src.name}.k3stui-{stamp}-{n}.bak")
        n += 1
    mode = src.stat().st_mode & 0o7777
    return atomic_write(dest, src.read_bytes(), mode)


def under_root(root: str | os.PathLike[str], abs_path: str) -> Path:
    """`abs_path` (absolute or relative) placed under `root`; refuses `..`, NUL and symlinks that
    lead out of root."""
    if "\0" in abs_path:
        raise WriteRefused(f"path contains a NUL byte: {abs_path!r}")
    parts = PurePosixPath(abs_path).parts
    rel = [p for p in parts if p != "/"]
    if not rel or any(p == ".." for p in rel):
        raise WriteRefused(f"refusing path {abs_path!r}: it must name a file and not contain '..'")
    base = Path(root).resolve()
    candidate = base.joinpath(*rel)
    resolved = candidate.resolve()  # follows symlinks of the parts that exist
    if resolved != base and base not in resolved.parents:
        raise WriteRefused(f"refusing {abs_path!r}: it leads outside {base}")
    return candidate


def write_tree(out_dir: str | os.PathLike[str], files: Iterable[_HasPath], force: bool = False) -> list[Path]:
    """Write every file under `out_dir` atomically with its mode. A non-empty `out_dir` is refused
    unless `force` (then files are replaced, others left alone)."""
    out = Path(out_dir)
    items = list(files)
    if out.exists() and not out.is_dir():
        raise WriteRefused(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise WriteRefused(f"{out} is not empty; choose an empty folder or add --force")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for f in items:
        target = under_root(out, f.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        under_root(out, f.path)  # again: a parent created above could be a symlink planted meanwhile
        if f.content is None:
            written.append(atomic_copy(f.source, target, f.mode))  # type: ignore[attr-defined]
        else:
            written.append(atomic_write(target, f.content, f.mode))
    return written
