"""k3stui.chart_tar writes the bytes tarfile writes (PAX format) for the chart's members; the
packaged chart is still a standard .tgz that tar and tarfile list and unpack."""

from __future__ import annotations

import gzip
import io
import subprocess
import tarfile
from pathlib import Path

import pytest

from k3stui import chart
from k3stui.chart_tar import plain, tar_bytes
from k3stui.resources import chart_dir


def _tarfile_bytes(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.mark.parametrize("members", [
    [],
    [("a", b"")],
    [("k3s-cni/x.yaml", b"x" * 511), ("k3s-cni/y", b"y" * 512), ("k3s-cni/z", b"z" * 513)],
    [("d/" + "n" * 98, b"\0\xff" * 5000)],  # a name of exactly 100 bytes
])
def test_same_bytes_as_tarfile(members: list[tuple[str, bytes]]) -> None:
    assert tar_bytes(members) == _tarfile_bytes(members)


def test_the_shipped_chart_packs_as_tarfile_would(tmp_path: Path) -> None:
    files = chart.chart_files(chart_dir())
    name, tgz = chart.package_files(files)
    members = [(f"k3s-cni/{rel}", data) for rel, data in sorted(files.items())]
    assert gzip.decompress(tgz) == _tarfile_bytes(members)
    assert chart.package_files(files) == (name, tgz)  # deterministic
    (tmp_path / name).write_bytes(tgz)
    listed = subprocess.run(["tar", "-tzf", str(tmp_path / name)], capture_output=True, text=True,
                            check=True).stdout.split()
    assert listed == [m for m, _ in members]


def test_names_ustar_cannot_hold_go_through_tarfile() -> None:
    long_name = "k3s-cni/" + "t" * 120 + ".yaml"
    assert not plain(long_name) and not plain("k3s-cni/é") and plain("k3s-cni/Chart.yaml")
    with pytest.raises(ValueError, match="plain ustar"):
        tar_bytes([(long_name, b"")])
    files = {"Chart.yaml": b"name: k3s-cni\nversion: 0.1.0\n", long_name[8:]: b"long"}
    _, tgz = chart.package_files(files)
    with tarfile.open(fileobj=io.BytesIO(tgz)) as tar:
        assert {m.name: tar.extractfile(m).read() for m in tar.getmembers()} == {  # type: ignore[union-attr]
            f"k3s-cni/{rel}": data for rel, data in files.items()}
