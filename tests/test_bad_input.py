"""Bad input and a hostile environment (issue 15 items 14, 15): exit 2 with a message naming the
file, never a traceback (exit 3), never a hang, never half a folder."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from k3stui import fsio
from k3stui.cli import main

Capture = pytest.CaptureFixture[str]
GOOD_CONFIG = "flannel-backend: host-gw\n"


def _run(capsys: Capture, *argv: str) -> tuple[int, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out + out.err


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


def _fifo_cases(fifo: Path, tmp_path: Path) -> list[list[str]]:
    cfg = tmp_path / "ok.yaml"
    cfg.write_text(GOOD_CONFIG)
    folder = tmp_path / "config.yaml.d"
    folder.mkdir()
    os.mkfifo(folder / "10-pipe.yaml")
    f = str(fifo)
    return [
        ["check", "-c", f], ["check", "--config-dir", str(folder)], ["check", "--flannel-conf", f],
        ["check", "--preset", f], ["check", "-c", str(cfg), "--server-config", f],
        ["render", "-c", f, "--out", str(tmp_path / "o1")], ["render", "--preset", f, "--explain"],
        ["render", "-c", str(cfg), "--merge-into", f],
        ["render", "-c", str(cfg), "--merge-into", f, "--dry-run"],
        ["preset", "validate", f], ["preset", "import", "-c", f, "--name", "x"],
        ["preset", "import", "--flannel-conf", f, "--name", "x"],
        ["install", "-c", f, "--dry-run", "--root", str(tmp_path)],
        ["bundle", "-c", f, "--out", str(tmp_path / "b")],
    ]


def test_a_fifo_as_any_input_is_refused_not_waited_for(fifo: Path, tmp_path: Path, capsys: Capture) -> None:
    for argv in _fifo_cases(fifo, tmp_path):
        rc, said = _run(capsys, *argv)
        assert rc == 2, (argv, said)
        assert "FIFO" in said and "regular file" in said, (argv, said)
    assert not (tmp_path / "o1").exists() and not (tmp_path / "b").exists()


@pytest.mark.parametrize("path, words", [
    ("/dev/zero", "character device"),
    ("/dev/null", "character device"),
    ("/" + "x" * 300 + ".yaml", "too long"),
])
def test_devices_and_long_names_are_refused(path: str, words: str, capsys: Capture) -> None:
    rc, said = _run(capsys, "check", "-c", path)
    assert rc == 2 and words in said and path[:40] in said


def test_a_huge_input_is_refused_by_its_size(tmp_path: Path, capsys: Capture) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(fsio.MAX_INPUT_BYTES + 1)  # sparse: costs no disk
    rc, said = _run(capsys, "check", "-c", str(big))
    assert rc == 2 and "too big" in said and str(big) in said


def test_a_100000_digit_number_in_net_conf_json(tmp_path: Path, capsys: Capture) -> None:
    conf = tmp_path / "net-conf.json"
    conf.write_text('{"Network": "10.42.0.0/16", "Backend": {"Type": "vxlan", "VNI": ' + "9" * 100_000 + "}}")
    rc, said = _run(capsys, "check", "--flannel-conf", str(conf))
    assert rc == 2 and str(conf) in said and "number" in said


@pytest.mark.parametrize("text, words", [
    ("a: !!python/object/apply:os.system [echo]\n", "could not determine a constructor"),
    ("a: !custom 1\n", "could not determine a constructor for the tag '!custom'"),
    ("a: " + "[" * 200 + "]" * 200 + "\n", "nested too deeply"),
    ("a: 1\n---\nb: 2\n", "2 YAML documents"),
    ("{flannel-iface: eth0, node-ip: 10.0.0.5}\n", "flow mapping"),
    ("a: - b\n", "config.yaml:1:4: not valid YAML: block sequence entries are not allowed"),
])
def test_odd_merge_targets_are_refused_and_untouched(text: str, words: str, tmp_path: Path,
                                                     capsys: Capture) -> None:
    target = tmp_path / "config.yaml"
    target.write_text(text)
    rc, said = _run(capsys, "render", "--exec", "server --flannel-backend=host-gw",
                    "--merge-into", str(target))
    assert rc == 2 and words in said and str(target) in said
    assert target.read_text() == text and sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml"]


def _fail(monkeypatch: pytest.MonkeyPatch, code: int, after: int = 0) -> None:
    """The file system refuses the (after+1)-th file k3stui writes, as a full or read-only disk would."""
    real = fsio.os.fsync
    count = {"n": 0}

    def fsync(fd: int) -> None:
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            return real(fd)
        count["n"] += 1
        if count["n"] > after:
            raise OSError(code, os.strerror(code))
        return real(fd)

    monkeypatch.setattr(fsio.os, "fsync", fsync)


@pytest.mark.parametrize("code, words", [
    (errno.ENOSPC, "disk is full"), (errno.EROFS, "read-only"), (errno.EACCES, "permission denied"),
])
def test_render_out_on_a_failing_disk_leaves_no_half_folder(
        code: int, words: str, tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    _fail(monkeypatch, code, after=3)
    out = tmp_path / "out"
    rc, said = _run(capsys, "render", "--preset", "flannel-vxlan", "--out", str(out), "--no-chart")
    assert rc == 2 and words in said and str(tmp_path) in said
    assert list(tmp_path.iterdir()) == []  # neither the folder nor the staging folder


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "disk is full"), (errno.EROFS, "read-only")])
def test_merge_into_on_a_failing_disk_keeps_the_file(
        code: int, words: str, tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "config.yaml"
    target.write_text("node-ip: 10.0.0.5\n")
    _fail(monkeypatch, code, after=1)  # the backup is written; the new config is not
    rc, said = _run(capsys, "render", "--preset", "flannel-host-gw", "--merge-into", str(target))
    assert rc == 2 and words in said and str(target) in said
    assert target.read_text() == "node-ip: 10.0.0.5\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".k3stui-tmp")]


def test_preset_import_on_a_failing_disk(tmp_path: Path, capsys: Capture,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(GOOD_CONFIG)
    _fail(monkeypatch, errno.ENOSPC)
    rc, said = _run(capsys, "preset", "import", "-c", str(cfg), "--name", "mine",
                    "--out", str(tmp_path / "p.yaml"))
    assert rc == 2 and "disk is full" in said and "p.yaml" in said
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml"]


def test_writing_into_a_missing_or_file_folder_is_exit_2(tmp_path: Path, capsys: Capture) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(GOOD_CONFIG)
    rc, said = _run(capsys, "preset", "import", "-c", str(cfg), "--name", "m",
                    "--out", str(tmp_path / "no/p.yaml"))
    assert rc == 2 and "does not exist" in said
    rc, said = _run(capsys, "render", "--preset", "flannel-vxlan", "--out", str(cfg / "sub"), "--no-chart")
    assert rc == 2 and str(cfg) in said


@pytest.mark.parametrize("path", ["rel/net-conf.json", "//etc/net-conf.json", "/etc/a//b.json",
                                  "/etc/a\0b.json"])
def test_odd_node_paths_in_install_are_named_not_a_traceback(path: str, tmp_path: Path,
                                                             capsys: Capture) -> None:
    cfg = tmp_path / "c.yaml"
    escaped = path.replace("\0", "\\0")  # YAML's double-quoted escape for NUL
    cfg.write_text(f'flannel-conf: "{escaped}"\n')
    conf = tmp_path / "net-conf.json"
    conf.write_text('{"Network": "10.42.0.0/16", "Backend": {"Type": "vxlan", "MTU": 1400}}')
    script = tmp_path / "install.sh"
    script.write_text("#!/bin/sh\n")
    root = tmp_path / "root"
    root.mkdir()
    rc, said = _run(capsys, "install", "-c", str(cfg), "--flannel-conf", str(conf), "--root", str(root),
                    "--install-script", str(script), "--dry-run")
    assert rc in (1, 2) and "internal error" not in said  # 1: PATH001 names it; 2: it cannot be placed
    assert repr(path)[1:-1] in said
