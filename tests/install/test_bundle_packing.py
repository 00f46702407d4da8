"""The bundle's .tar.gz: compressed members stored, the rest deflated, still one standard archive
that `tar` lists and unpacks (issue 17: zlib spent 93 % of a bundle compressing a zstd archive)."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

from k3stui.install.bundle import _tar

IMAGE_MB = 4


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "k3s-bundle"
    (d / "artifacts").mkdir(parents=True)
    (d / "artifacts" / "k3s-airgap-images-amd64.tar.zst").write_bytes(os.urandom(IMAGE_MB << 20))
    k3s = d / "artifacts" / "k3s"
    k3s.write_bytes(b"\x7fELF" + b"compressible binary text " * 40000)
    k3s.chmod(0o755)
    (d / "charts").mkdir()
    (d / "charts" / "k3s-cni-0.1.0.tgz").write_bytes(gzip.compress(b"chart" * 1000))
    (d / "README.md").write_text("# bundle\n" * 200)
    (d / "empty").mkdir()
    return d


def _digests(root: Path) -> dict[str, tuple[str, int]]:
    return {str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(),
                                       stat.S_IMODE(p.stat().st_mode))
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_members_come_back_byte_for_byte_and_compressed_ones_are_stored(folder: Path, tmp_path: Path) -> None:
    tarball = tmp_path / "k3s-bundle.tar.gz"
    seen: list[tuple[int, int, str]] = []
    _tar(folder, tarball, lambda done, total, name: seen.append((done, total, name)))
    raw = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    size = tarball.stat().st_size
    # Stored, the random image costs its own size; the 1 MB binary deflates to almost nothing.
    assert IMAGE_MB << 20 < size < (IMAGE_MB << 20) + (200 << 10) < raw
    assert stat.S_IMODE(tarball.stat().st_mode) == 0o600
    assert seen[-1][0] == seen[-1][1] == raw  # progress reaches the whole
    with tarfile.open(tarball) as tar:  # Python's reader: one gzip stream of several members
        names = tar.getnames()
        assert "k3s-bundle/empty" in names and tar.getmember("k3s-bundle/artifacts/k3s").mode == 0o755
        # Each file read back from the archive (not extracted: extractall's filter= is Python 3.11.4+,
        # and Debian 12's python3 is 3.11.2, which pyproject's >=3.11 admits).
        unpacked = {m.name.removeprefix("k3s-bundle/"): (hashlib.sha256(_read(tar, m)).hexdigest(), m.mode)
                    for m in tar.getmembers() if m.isfile()}
    assert unpacked == _digests(folder)


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    data = tar.extractfile(member)
    assert data is not None
    return data.read()


@pytest.mark.skipif(shutil.which("tar") is None, reason="no tar on this host")
def test_tar_lists_and_unpacks_it(folder: Path, tmp_path: Path) -> None:
    tarball = tmp_path / "k3s-bundle.tar.gz"
    _tar(folder, tarball)
    listed = subprocess.run(["tar", "-tzf", str(tarball)], capture_output=True, text=True, check=True).stdout
    assert "k3s-bundle/artifacts/k3s-airgap-images-amd64.tar.zst" in listed.splitlines()
    (tmp_path / "x").mkdir()
    subprocess.run(["tar", "-xzf", str(tarball), "-C", str(tmp_path / "x")], check=True)
    assert _digests(tmp_path / "x" / "k3s-bundle") == _digests(folder)
    if shutil.which("gzip"):
        subprocess.run(["gzip", "-t", str(tarball)], check=True)  # every member's CRC and length
