"""Paths an install writes, or hands to the install script, resolved under its `--root`.

`actions.target_path` places a node path under the root lexically (for the dry run); right before
the run every such path is resolved here, following the symlinks that exist, and refused when one
leads outside the root: a planted `<root>/var/log -> /var/log` must not make k3stui write the host's
/var/log, nor `<root>/usr/local/bin -> /usr/local/bin` make the script replace the host's k3s.
"""

from __future__ import annotations

import os
from pathlib import Path

from k3stui.errors import WriteRefused


def _inside(base: Path, p: Path) -> bool:
    return p == base or base in p.parents


def real_root(root: str) -> Path:
    return Path(os.path.realpath(root))


def resolve_dir(root: str, path: str | os.PathLike[str], what: str) -> Path:
    """`path` (a folder under root, existing or not) with its symlinks followed; refused when that
    leaves the root. `what` names the path in the message ("the binary folder")."""
    if "\0" in str(path):
        raise WriteRefused(f"refusing {what} {str(path)!r}: it contains a NUL byte")
    base = real_root(root)
    real = Path(os.path.realpath(path))
    if not _inside(base, real):
        raise WriteRefused(
            f"refusing to install: {what} {path} leads outside the root {base} (to {real}) through a "
            "symlink; remove or fix that link inside the root, or install into another folder"
        )
    return real


def resolve_file(root: str, path: str | os.PathLike[str], what: str) -> Path:
    """A file's path: its folder resolved as `resolve_dir` does, its own name kept (k3stui replaces
    a symlink itself, never writes through it); a symlink there that points outside the root is
    refused too, since the install script writes through links."""
    p = Path(path)
    real = resolve_dir(root, p.parent, f"the folder of {what}") / p.name
    if real.is_symlink():
        resolve_dir(root, real, what)
    return real
