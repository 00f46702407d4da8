"""The chart's tar stream, written without `tarfile`.

`tarfile` imports shutil, bz2, lzma and struct (about 19 million instructions, a twentieth of
`k3stui render`) to write a dozen small regular files. This writes the same bytes tarfile writes in
PAX format for such members (POSIX ustar headers: IEEE Std 1003.1 `pax`, "ustar Interchange
Format"; tarfile adds a PAX extended header only for a name over 100 bytes or not ASCII, and then
this hands the whole archive to tarfile instead). tests/test_chart_tar.py holds the bytes equal.
"""

from __future__ import annotations

from collections.abc import Iterable

BLOCK = 512
RECORD = 20 * BLOCK  # tar pads the archive to whole records
_NAME_MAX = 100


def _octal(value: int, width: int) -> bytes:
    """A ustar number field: zero-padded octal, NUL-terminated."""
    return b"%0*o\0" % (width - 1, value)


def _text(value: str, width: int) -> bytes:
    raw = value.encode("ascii")
    return raw + b"\0" * (width - len(raw))


def _header(name: str, size: int, mode: int, mtime: int) -> bytes:
    fields = (
        _text(name, _NAME_MAX), _octal(mode & 0o7777, 8), _octal(0, 8), _octal(0, 8),  # uid, gid 0
        _octal(size, 12), _octal(mtime, 12), b" " * 8,  # checksum: summed as spaces
        b"0", _text("", 100), b"ustar\x0000", _text("", 32), _text("", 32),  # regular file, no user
        _text("", 8), _text("", 8), _text("", 155),  # devmajor, devminor (a device's only), prefix
    )
    head = b"".join(fields).ljust(BLOCK, b"\0")
    return head[:148] + b"%06o\0 " % sum(head) + head[156:]


def plain(name: str) -> bool:
    """A member name a bare ustar header holds (else tarfile writes a PAX extended header)."""
    return name.isascii() and len(name) <= _NAME_MAX


def tar_bytes(members: Iterable[tuple[str, bytes]], *, mode: int = 0o644, mtime: int = 0) -> bytes:
    """An uncompressed tar of regular files (name, data), root-owned with no user names, in order.
    Every name must be `plain`."""
    out: list[bytes] = []
    size = 0
    for name, data in members:
        if not plain(name):
            raise ValueError(f"{name!r}: not a plain ustar name")
        pad = -len(data) % BLOCK
        out += (_header(name, len(data), mode, mtime), data, b"\0" * pad)
        size += BLOCK + len(data) + pad
    size += 2 * BLOCK  # the end-of-archive marker
    out.append(b"\0" * (2 * BLOCK + -size % RECORD))
    return b"".join(out)
