"""sha256 without `hashlib`: importing hashlib loads OpenSSL's `_hashlib` (about 11 million
instructions, a twentieth of `k3stui render`) to offer every algorithm; k3stui needs one. CPython
builds its own sha256 in (`_sha256` to 3.11, `_sha2` from 3.12); the digests are the same bytes.
"""

from __future__ import annotations

from typing import Any

try:
    from _sha256 import sha256 as _sha256
except ImportError:  # Python 3.12+
    try:
        from _sha2 import sha256 as _sha256  # type: ignore[import-not-found, no-redef]
    except ImportError:  # a build without the builtin module
        from hashlib import sha256 as _sha256  # type: ignore[assignment]


def sha256(data: bytes = b"") -> Any:
    """A sha256 hash object (update, digest, hexdigest), as hashlib.sha256 gives."""
    return _sha256(data)


def sha256_hex(data: bytes) -> str:
    return _sha256(data).hexdigest()  # type: ignore[no-any-return]
