"""`k3stui install` and `k3stui bundle` as a user runs them (subprocess), always in a --root
sandbox with the fake install.sh."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from installkit import FAKE_SCRIPT, recorded_env, snapshot

NO_DOWNLOAD = {"K3STUI_NO_DOWNLOAD": "1"}


@pytest.fixture
def cli(run_cli):
    def _run(*args: str, **kw):
        return run_cli(*args, env=NO_DOWNLOAD, **kw)

    return _run


def test_dry_run_prints_everything_and_changes_nothing(cli, sandbox: Path, script: Path):
    before = snapshot(sandbox, ignore_logs=False)
    r = cli(
        "install", "--preset", "cilium", "--root", str(sandbox), "--install-script", str(script), "--dry-run"
    )
    assert r.returncode == 0, r.stderr
    assert snapshot(sandbox, ignore_logs=False) == before
    assert not (script.parent / "record.env").exists()
    out = r.stdout
    assert "Preflight" in out and "+flannel-backend: none" in out
    assert "/var/lib/rancher/k3s/server/manifests/k3s-cni.yaml" in out
    assert "INSTALL_K3S_EXEC=server" in out and "INSTALL_K3S_SKIP_START=true" in out
    assert "dry run: nothing was changed" in out


def test_install_with_yes(cli, sandbox: Path, script: Path):
    r = cli(
        "install",
        "--preset",
        "flannel-vxlan",
        "--root",
        str(sandbox),
        "--install-script",
        str(script),
        "--yes",
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "[INFO]  fake install.sh: done" in r.stdout
    assert "about to do the above" in r.stdout and "dry run: nothing was changed" not in r.stdout
    assert (sandbox / "etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml").is_file()
    assert recorded_env(script)["INSTALL_K3S_BIN_DIR"] == f"{sandbox}/usr/local/bin"


def test_without_yes_and_without_a_terminal_nothing_happens(cli, sandbox: Path, script: Path):
    before = snapshot(sandbox, ignore_logs=False)
    r = cli("install", "--preset", "flannel-vxlan", "--root", str(sandbox), "--install-script", str(script))
    assert r.returncode == 1
    assert "--yes" in r.stderr
    assert snapshot(sandbox, ignore_logs=False) == before


def test_failing_script_exit_1_and_the_sandbox_is_restored(cli, sandbox: Path, script: Path):
    (script.parent / "fail").write_text("")
    before = snapshot(sandbox)
    r = cli("install", "--preset", "cilium", "--root", str(sandbox), "--install-script", str(script), "--yes")
    assert r.returncode == 1
    assert "failed at 'the official K3s install script (server)'" in r.stderr
    assert "exited with status 3" in r.stderr and "Undone: removed" in r.stderr
    assert snapshot(sandbox) == before


def test_changing_cidrs_of_an_existing_cluster_is_refused(cli, sandbox: Path, script: Path):
    (sandbox / "var/lib/rancher/k3s/server/db").mkdir(parents=True)
    before = snapshot(sandbox, ignore_logs=False)
    r = cli(
        "install",
        "--exec",
        "server --cluster-cidr=10.50.0.0/16",
        "--root",
        str(sandbox),
        "--install-script",
        str(script),
        "--yes",
    )
    assert r.returncode == 1
    assert "CIDRs cannot change on an existing cluster" in r.stdout
    assert "nothing was changed" in r.stderr
    assert snapshot(sandbox, ignore_logs=False) == before


def test_missing_install_script_is_input_error(cli, sandbox: Path, tmp_path: Path):
    r = cli("install", "--root", str(sandbox), "--install-script", str(tmp_path / "nope.sh"), "--dry-run")
    assert r.returncode == 2 and "no such file" in r.stderr


@pytest.mark.parametrize("option", ["--root", "--airgap"])
def test_a_folder_that_is_not_there_is_input_error(cli, tmp_path: Path, option: str):
    r = cli("install", "--preset", "flannel-vxlan", option, str(tmp_path / "typo"), "--dry-run")
    assert r.returncode == 2 and f"{option} {tmp_path / 'typo'}: not a folder" in r.stderr
    assert not (tmp_path / "typo").exists()


def test_ctrl_d_at_the_question_is_a_no(monkeypatch):
    import argparse

    from k3stui.commands import install

    def eof(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", eof)
    assert install._confirm(argparse.Namespace(yes=False)) is False


BUNDLE = ("--k3s-version", "v1.34.3+k3s1", "--no-wheels")  # a bundle is for one release; no pip here


def test_bundle_then_airgap_install(cli, sandbox: Path, tmp_path: Path):
    arts = tmp_path / "arts"
    arts.mkdir()
    (arts / "k3s").write_bytes(b"fake k3s\npkg/version.Version=v1.34.3+k3s1\n")
    shutil.copy(FAKE_SCRIPT, arts / "install.sh")
    (arts / "k3s-airgap-images-amd64.tar").write_bytes(b"images")
    out = tmp_path / "bundle"
    r = cli("bundle", "--preset", "flannel-host-gw", "--out", str(out), "--artifacts", str(arts), *BUNDLE)
    assert r.returncode == 0, r.stderr
    assert out.with_name("bundle.tar.gz").is_file()
    # The plan comes from the bundle's plan.yaml when no input is given.
    r = cli("install", "--airgap", str(out), "--root", str(sandbox), "--yes")
    assert r.returncode == 0, r.stdout + r.stderr
    assert (sandbox / "usr/local/bin/k3s").read_bytes() == (arts / "k3s").read_bytes()
    assert (sandbox / "var/lib/rancher/k3s/agent/images/k3s-airgap-images-amd64.tar").is_file()
    assert recorded_env(out / "artifacts/install.sh")["INSTALL_K3S_SKIP_DOWNLOAD"] == "true"


def test_bundle_missing_artifacts_exit_1_and_airgap_install_refuses(cli, sandbox: Path, tmp_path: Path):
    out = tmp_path / "bundle"
    r = cli("bundle", "--preset", "flannel-vxlan", "--out", str(out), *BUNDLE)
    assert r.returncode == 1 and "k3s (the K3s binary" in r.stderr
    before = snapshot(sandbox, ignore_logs=False)
    r = cli("install", "--airgap", str(out), "--root", str(sandbox), "--yes")
    assert r.returncode == 1
    assert "artifacts/install.sh (the K3s install.sh) is missing from the bundle" in r.stdout
    assert snapshot(sandbox, ignore_logs=False) == before


def test_bundle_out_dot_and_an_unwritable_out_are_clear(cli, tmp_path: Path):
    here = tmp_path / "here"
    here.mkdir()
    r = cli("bundle", "--preset", "flannel-vxlan", "--out", ".", *BUNDLE, cwd=here)
    assert r.returncode == 1 and "internal error" not in r.stderr  # 1: the artifacts are missing
    assert (tmp_path / "here.tar.gz").is_file() and (here / "SHA256SUMS").is_file()
    (tmp_path / "file").write_text("")
    r = cli("bundle", "--preset", "flannel-vxlan", "--out", str(tmp_path / "file" / "b"), *BUNDLE)
    assert r.returncode == 2 and "cannot write the bundle" in r.stderr and "--out" in r.stderr


def test_the_cli_prints_typed_runner_events(capsys):
    from k3stui.commands.install import print_event
    from k3stui.install import events as ev

    for event in (
        ev.StepStarted(1, 2, "file", "writing /etc/x"),
        ev.StepDone(1, 2, "writing /etc/x", changed=False),
        ev.StepStarted(2, 2, "command", "the official K3s install script (server)"),
        ev.OutputLine("[INFO]  downloading"),
        ev.OutputLine("[WARN]  slow", stream="stderr"),
        ev.StepFailed(2, 2, "the official K3s install script (server)", "install.sh exited 1"),
        ev.Undone(("removed /etc/x",), ("could not restore /etc/y",)),
        ev.Finished(False, "failed"),
    ):
        print_event(event)
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "[1/2] writing /etc/x",
        "    unchanged",
        "[2/2] the official K3s install script (server)",
        "    [INFO]  downloading",
    ]
    assert err.splitlines() == [
        "    [WARN]  slow",
        "    failed: install.sh exited 1",
        "undone: removed /etc/x",
        "NOT undone: could not restore /etc/y",
    ]
