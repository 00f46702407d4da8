"""`install --root DIR` never writes outside DIR through a symlink (the log, the files, the folders
handed to the install script), the log is opened exclusively without following a link, and a
bundle artifact is verified again right before it is copied or run."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from installkit import install, presets, recorded_env, snapshot

from k3stui.install.actions import Actions, CommandAction, FileAction
from k3stui.install.runner import run_actions

PLAN = dict(presets())["cilium"]


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    d = tmp_path / "outside"
    d.mkdir()
    (d / "keep").write_text("the host's own\n")
    return d


def _moved_to_link(path: Path, target: Path) -> None:
    """Replace the sandbox folder `path` by a symlink to `target` (outside the root)."""
    for p in sorted(path.rglob("*"), reverse=True):
        p.unlink() if not p.is_dir() or p.is_symlink() else p.rmdir()
    path.rmdir()
    os.symlink(target, path)


@pytest.mark.parametrize(
    "inside, what",
    [
        ("usr/local/bin", "the binary folder INSTALL_K3S_BIN_DIR"),
        ("etc/systemd", "the systemd unit folder INSTALL_K3S_SYSTEMD_DIR"),
        ("var/log", "the install log"),
        ("etc/rancher", "/etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml"),
    ],
)
def test_a_symlink_out_of_the_root_is_refused_before_anything_changes(sandbox, script, outside, inside, what):
    target = sandbox / inside
    if target.exists():
        _moved_to_link(target, outside)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(outside, target)
    before_inside, before_outside = snapshot(sandbox, ignore_logs=False), snapshot(outside)
    _, result, _ = install(PLAN, "server", sandbox, script)
    assert not result.ok
    assert "leads outside the root" in result.message and "nothing was changed" in result.message
    assert what in result.message
    assert snapshot(sandbox, ignore_logs=False) == before_inside
    assert snapshot(outside) == before_outside
    assert not (script.parent / "record.env").exists(), "the script never ran"


def test_a_symlink_inside_the_root_is_followed_and_handed_resolved(sandbox, script):
    """A merged-/usr style link that stays in the root is fine; the script gets the real folder."""
    real = sandbox / "opt/bin"
    real.mkdir(parents=True)
    _moved_to_link(sandbox / "usr/local/bin", Path("../../opt/bin"))
    _, result, _ = install(PLAN, "server", sandbox, script)
    assert result.ok, result.message
    assert recorded_env(script)["INSTALL_K3S_BIN_DIR"] == str(real.resolve())
    assert (real / "k3s").is_file() and (sandbox / "usr/local/bin").is_symlink()


def test_a_planted_log_name_is_not_followed(sandbox, script, outside):
    victim = outside / "keep"
    planted = sandbox / "var/log/k3stui-install-test.log"
    os.symlink(victim, planted)
    _, result, _ = install(PLAN, "server", sandbox, script)
    assert result.ok, result.message
    assert victim.read_text() == "the host's own\n"
    assert planted.is_symlink()
    assert result.log_path and result.log_path != str(planted)
    log = Path(result.log_path)
    assert log.parent == planted.parent and log.name.startswith("k3stui-install-test-")
    assert not log.is_symlink() and "installed the K3s server" in log.read_text()
    assert oct(log.stat().st_mode & 0o777) == oct(0o600)


def _artifact_actions(root: Path, src: Path, sha: str) -> Actions:
    dest = "/usr/local/bin/k3s"
    return Actions(
        role="server",
        root=str(root),
        files=(FileAction(dest, f"{root}{dest}", 0o755, "the k3s binary", source=str(src), sha256=sha),),
        commands=(),
        findings=(),
        log_path=f"{root}/var/log/k3stui-install-test.log",
    )


def test_an_artifact_changed_after_the_check_is_not_installed(sandbox, tmp_path):
    src = tmp_path / "k3s"
    src.write_bytes(b"\x7fELF the verified k3s\n")
    sha = hashlib.sha256(src.read_bytes()).hexdigest()
    before = snapshot(sandbox)
    assert run_actions(_artifact_actions(sandbox, src, sha)).ok
    assert (sandbox / "usr/local/bin/k3s").read_bytes() == src.read_bytes()
    assert oct((sandbox / "usr/local/bin/k3s").stat().st_mode & 0o777) == oct(0o755)

    (sandbox / "usr/local/bin/k3s").unlink()
    src.write_bytes(b"\x7fELF swapped after the prompt\n")
    result = run_actions(_artifact_actions(sandbox, src, sha))
    assert not result.ok and "no longer matches SHA256SUMS" in result.message
    assert snapshot(sandbox) == before


def test_an_install_script_changed_after_the_check_does_not_run(sandbox, script):
    sha = hashlib.sha256(script.read_bytes()).hexdigest()
    script.write_text(script.read_text() + "\n# changed\n")
    actions = Actions(
        role="server",
        root=str(sandbox),
        files=(),
        commands=(
            CommandAction("install", ("sh", str(script)), {}, "the install script", script_sha256=sha),
        ),
        findings=(),
        log_path=f"{sandbox}/var/log/k3stui-install-test.log",
    )
    before = snapshot(sandbox)
    result = run_actions(actions)
    assert not result.ok and "no longer matches SHA256SUMS" in result.message
    assert not (script.parent / "record.env").exists()
    assert snapshot(sandbox) == before
