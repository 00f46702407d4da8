"""fsio: atomic writes, backups, root confinement, output folders. tmp_path only."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from k3stui import fsio
from k3stui.fsio import WriteRefused, atomic_write, backup, under_root, write_tree
from k3stui.render.files import RenderedFile


def test_atomic_write_sets_mode_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "f.yaml"
    atomic_write(target, b"a: 1\n", 0o600)
    atomic_write(target, b"a: 2\n", 0o640)
    assert target.read_bytes() == b"a: 2\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["f.yaml"]


def test_failed_write_keeps_the_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "f"
    target.write_bytes(b"old")

    def boom(*_a: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(fsio.os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write(target, b"new", 0o644)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_backup_is_timestamped_and_keeps_mode(tmp_path: Path) -> None:
    src = tmp_path / "config.yaml"
    src.write_bytes(b"x")
    os.chmod(src, 0o600)
    first, second = backup(src), backup(src)
    assert re.fullmatch(r"config\.yaml\.k3stui-\d{8}T\d{6}\.bak", first.name)
    assert first != second and second.read_bytes() == b"x"
    assert first.stat().st_mode & 0o777 == 0o600


def test_under_root(tmp_path: Path) -> None:
    assert under_root(tmp_path, "/etc/rancher/k3s/x") == tmp_path.resolve() / "etc/rancher/k3s/x"
    for bad in ("/etc/../../x", "../x", "/", "a\0b"):
        with pytest.raises(WriteRefused):
            under_root(tmp_path, bad)
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    root.mkdir()
    (root / "etc").symlink_to(outside)
    with pytest.raises(WriteRefused, match="outside"):
        under_root(root, "/etc/passwd")


def _f(path: str, data: bytes = b"x", mode: int = 0o644) -> RenderedFile:
    return RenderedFile(path, None, mode, (), data, "")


def test_write_tree_writes_atomically_with_modes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    written = write_tree(out, [_f("server/install.sh", b"#!/bin/sh\n", 0o755), _f("a/b/c.json")])
    assert [p.relative_to(out.resolve()).as_posix() for p in written] == ["server/install.sh", "a/b/c.json"]
    assert (out / "server/install.sh").stat().st_mode & 0o777 == 0o755
    assert not [p for p in out.rglob("*") if "k3stui-tmp" in p.name]


def test_write_tree_refuses_a_non_empty_folder_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "keep").write_text("mine")
    with pytest.raises(WriteRefused, match="not empty"):
        write_tree(tmp_path, [_f("x")])
    write_tree(tmp_path, [_f("x")], force=True)
    assert (tmp_path / "keep").read_text() == "mine" and (tmp_path / "x").exists()


def test_write_tree_refuses_escaping_paths(tmp_path: Path) -> None:
    with pytest.raises(WriteRefused):
        write_tree(tmp_path / "out", [_f("../evil")])
    assert not (tmp_path / "evil").exists()


def test_atomic_copy_streams_a_big_file_with_its_mode(tmp_path) -> None:
    import hashlib

    from k3stui.fsio import atomic_copy, sha256_file

    src = tmp_path / "k3s-airgap-images-amd64.tar.zst"
    with src.open("wb") as fh:  # 5 MiB and a bit: several 1 MiB blocks plus a tail
        for i in range(5):
            fh.write(bytes([i]) * (1 << 20))
        fh.write(b"tail")
    dest_dir = tmp_path / "images"
    dest_dir.mkdir()
    dest = atomic_copy(src, dest_dir / src.name, 0o640)
    assert sha256_file(dest) == hashlib.sha256(src.read_bytes()).hexdigest()
    assert dest.stat().st_mode & 0o7777 == 0o640
    assert [p.name for p in dest_dir.iterdir()] == [src.name]  # no temp file left


def test_bundle_keeps_big_artifacts_by_path(tmp_path) -> None:
    from k3stui.install.bundle import bundle_files, scan_artifacts
    from k3stui.plan import Plan

    arts = tmp_path / "arts"
    arts.mkdir()
    (arts / "k3s").write_bytes(b"\x7fELF fake")
    (arts / "k3s-airgap-images-amd64.tar.zst").write_bytes(b"zstd" * 1000)
    found, _ = scan_artifacts(arts)
    files, _ = bundle_files(Plan(), found)
    big = {f.path: f for f in files if f.path.startswith("artifacts/")}
    assert big and all(f.content is None and f.source is not None for f in big.values())


# --- issue 15 items 14, 15 ------------------------------------------------------------------------

def test_write_tree_stages_beside_and_publishes_with_mkdir_modes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir(mode=0o750)
    out.chmod(0o750)
    write_tree(out, [_f("server/etc/x.yaml", b"a: 1\n", 0o600)])
    umask = os.umask(0o022)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o750  # the empty folder it replaced kept its mode
    assert (out / "server/etc").stat().st_mode & 0o777 == 0o777 & ~umask
    assert (out / "server/etc/x.yaml").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_write_tree_failing_midway_leaves_no_half_folder(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    real = fsio._write_staged
    calls = {"n": 0}

    def second_fails(*a: object, **kw: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise fsio.write_failed(a[0], OSError(28, "No space left on device"))  # type: ignore[arg-type]
        return real(*a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(fsio, "_write_staged", second_fails)
    with pytest.raises(WriteRefused, match="disk is full"):
        write_tree(tmp_path / "out", [_f("a"), _f("b"), _f("c")])
    assert list(tmp_path.iterdir()) == []


def test_forced_write_into_a_full_folder_replaces_file_by_file(tmp_path: Path) -> None:
    (tmp_path / "keep").write_text("mine")
    (tmp_path / "x").write_text("old")
    write_tree(tmp_path, [_f("x", b"new"), _f("d/y")], force=True)
    assert (tmp_path / "x").read_bytes() == b"new" and (tmp_path / "keep").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "keep", "x"]


@pytest.mark.parametrize("make, words", [
    (lambda p: os.mkfifo(p), "FIFO"),
    (lambda p: p.mkdir(), "is a directory"),
    (lambda p: None, "no such"),
])
def test_read_input_refuses_what_is_not_a_regular_file(make, words: str, tmp_path: Path) -> None:
    from k3stui.errors import InputError

    path = tmp_path / "in.yaml"
    make(path)
    with pytest.raises(InputError, match=words):
        fsio.read_input(path, "config file")


def test_read_input_caps_the_size(tmp_path: Path) -> None:
    from k3stui.errors import InputError

    path = tmp_path / "big"
    path.write_bytes(b"x" * 11)
    assert fsio.read_input(path, limit=11) == b"x" * 11
    with pytest.raises(InputError, match="too big"):
        fsio.read_input(path, limit=10)
    with pytest.raises(InputError, match="character device"):
        fsio.read_input("/dev/zero")


def test_atomic_write_check_and_expect(tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_bytes(b"old")

    def refuse(data: bytes) -> None:
        assert data == b"new"
        raise WriteRefused("no")

    with pytest.raises(WriteRefused, match="no"):
        atomic_write(target, b"new", check=refuse)
    with pytest.raises(WriteRefused, match="changed while"):
        atomic_write(target, b"new", expect=b"something else")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["f"]
    atomic_write(target, b"new", expect=b"old")
    assert target.read_bytes() == b"new"


def test_write_tree_syncs_each_file_once_and_each_folder_once(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17: 21 files cost 42 fsyncs (a temp file, a rename and a folder fsync each); now one per
    file and one per folder holding new entries (POSIX: a new entry is durable by its folder's fsync)."""
    synced: list[str] = []
    real = os.fsync

    def spy(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}") if os.path.exists("/proc/self/fd") else str(fd))
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    files = [_f("a"), _f("b"), _f("d/c"), _f("d/e/f"), _f("d/e/g")]
    write_tree(tmp_path / "out", files)
    assert len(synced) == len(files) + 3 + 1  # the files; out, d, d/e; out's parent after the rename
    assert len(set(synced)) == len(synced) or not os.path.exists("/proc/self/fd")
    out = tmp_path / "out"
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == ["a", "b", "d/c", "d/e/f", "d/e/g"]


def test_write_tree_names_the_file_whose_fsync_failed(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    real = os.fsync

    def spy(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").endswith("/b"):
            raise OSError(errno.EIO, "I/O error")
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    with pytest.raises(fsio.WriteFailed, match=r"/b: cannot write it"):
        write_tree(tmp_path / "out", [_f("a"), _f("b"), _f("c")])
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no half folder, no staging left


@pytest.mark.parametrize("planted", ["folder", "symlink", "file"])
def test_write_tree_stages_elsewhere_when_its_staging_name_is_taken(planted: str, tmp_path: Path) -> None:
    """The staging folder's name carries the process id; whatever already holds that name (a killed
    run's leftovers, or something planted) is neither used, followed nor removed."""
    name = tmp_path / f".out.{os.getpid()}.k3stui-tmp"
    victim = tmp_path / "victim"
    victim.mkdir()
    if planted == "folder":
        name.mkdir()
        (name / "theirs").write_text("x")
    elif planted == "symlink":
        name.symlink_to(victim)
    else:
        name.write_text("x")
    write_tree(tmp_path / "out", [_f("a"), _f("d/b")])
    assert sorted(p.name for p in (tmp_path / "out").rglob("*")) == ["a", "b", "d"]
    assert os.path.lexists(name) and list(victim.iterdir()) == []
    assert planted != "folder" or [p.name for p in name.iterdir()] == ["theirs"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name.name, "out", "victim"])


def test_write_tree_publishes_with_the_modes_mkdir_gives(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        write_tree(tmp_path / "out", [_f("a"), _f("d/e/b")])
    finally:
        os.umask(mask)
    assert {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "out").rglob("*") if p.is_dir()} == {
        "d": 0o755, "e": 0o755}
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755


def test_write_tree_fsyncs_each_file_then_each_folder_before_publishing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each staged file once, in batches (open files bounded), then each staging folder once, all
    before the staging folder becomes the output."""
    synced: list[str] = []
    real = os.fsync

    def spy(fd: int) -> None:
        path = os.readlink(f"/proc/self/fd/{fd}")
        synced.append(("dir:" if os.path.isdir(path) else "") + path.rpartition(".k3stui-tmp")[2])
        assert not (tmp_path / "out").exists() or path == str(tmp_path)  # nothing published yet
        real(fd)

    monkeypatch.setattr(fsio, "_SYNC_BATCH", 2)
    monkeypatch.setattr(os, "fsync", spy)
    names = ["a", "b", "d/c", "d/e/f", "g"]
    write_tree(tmp_path / "out", [_f(n) for n in names])
    files = [s for s in synced if not s.startswith("dir:")]
    assert files == [f"/{n}" for n in names]
    assert synced[:len(names)] == files  # every file before any folder
    assert sorted(synced[len(names):]) == sorted(["dir:", "dir:/d", "dir:/d/e", f"dir:{tmp_path}"])
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*")
                  if p.is_file()) == sorted(names)


@pytest.mark.parametrize("bad", ["../escape", "a/../../b", "x\0y"])
def test_write_tree_refuses_a_bad_path_before_making_anything(bad: str, tmp_path: Path) -> None:
    with pytest.raises(WriteRefused):
        write_tree(tmp_path / "out", [_f("a"), _f(bad)])
    assert list(tmp_path.iterdir()) == []  # no output, no staging folder left
