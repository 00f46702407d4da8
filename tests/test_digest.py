"""k3stui.digest gives hashlib's sha256, without importing hashlib."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from k3stui import digest


def test_same_digest_as_hashlib() -> None:
    for data in (b"", b"abc", bytes(range(256)) * 4099):
        assert digest.sha256_hex(data) == hashlib.sha256(data).hexdigest()
        h = digest.sha256()
        h.update(data)
        h.update(b"more")
        assert h.digest() == hashlib.sha256(data + b"more").digest()


def test_no_hashlib_import() -> None:
    probe = "import sys, k3stui.digest as d; d.sha256_hex(b'x'); print('_hashlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout.strip()
    assert out == "False"
