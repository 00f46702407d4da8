"""Air-gapped bundles: made, verified, placed; missing or corrupt artifacts named before anything
changes; upstream charts embedded through chartContent."""

from __future__ import annotations

import base64
import io
import os
import shutil
import stat
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from installkit import (
    FAKE_SCRIPT,
    TOKEN,
    agent_plan,
    expected_env,
    install,
    install_env,
    place_agent_token,
    presets,
    recorded_env,
    snapshot,
    token_plan,
)
from testkit import outside_env

from k3stui.install import airgap
from k3stui.install.airgap import ChartArchive, embed_charts, load_bundle, needed_charts
from k3stui.install.bundle import make_bundle

PRESETS = dict(presets())
VERSION = "v1.34.3+k3s1"
# Go links the release into the binary (pkg/version.Version): what k3stui reads when it cannot run it.
BINARY = b"\x7fELF fake k3s binary\n" * 10 + f"github.com/k3s-io/k3s/pkg/version.Version={VERSION}\n".encode()


def bundle(plan, out, **kw):
    """make_bundle for the bundle's K3s release, without building wheels (tests below do)."""
    kw.setdefault("k3s_version", VERSION)
    kw.setdefault("wheels", None)
    return make_bundle(plan, out, **kw)


def chart_tgz(name: str, version: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        data = f"apiVersion: v2\nname: {name}\nversion: {version}\n".encode()
        info = tarfile.TarInfo(f"{name}/Chart.yaml")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    d = tmp_path / "artifacts"
    d.mkdir()
    (d / "k3s").write_bytes(BINARY)
    shutil.copy(FAKE_SCRIPT, d / "install.sh")
    (d / "k3s-airgap-images-amd64.tar.zst").write_bytes(b"\x28\xb5\x2f\xfd images" * 50)
    (d / "cilium-1.20.0.tgz").write_bytes(chart_tgz("cilium", "1.20.0"))
    (d / "notes.txt").write_text("not an artifact\n")
    return d


@pytest.fixture
def bundle_dir(tmp_path: Path, artifacts: Path) -> Path:
    out = tmp_path / "bundle"
    report = bundle(token_plan(PRESETS["cilium"]), out, artifacts_dir=artifacts)
    assert report.missing == [] and report.ignored == ["notes.txt"]
    return out


def test_bundle_layout_checksums_and_tarball(bundle_dir: Path):
    names = {str(p.relative_to(bundle_dir)) for p in bundle_dir.rglob("*") if p.is_file()}
    assert {
        "plan.yaml",
        "README.md",
        "SHA256SUMS",
        "bundle.json",
        "artifacts/k3s",
        "artifacts/install.sh",
        "artifacts/k3s-airgap-images-amd64.tar.zst",
        "charts/cilium-1.20.0.tgz",
    } <= names
    assert any(n.startswith("charts/k3s-cni-") for n in names)
    assert "files/server/etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml" in names
    sums = airgap.parse_sums((bundle_dir / "SHA256SUMS").read_text())
    assert set(sums) == names - {"SHA256SUMS"}
    b = load_bundle(bundle_dir)
    assert b.problems == () and b.binary and b.install_script and b.image_arches == ("amd64",)
    assert stat.S_IMODE((bundle_dir / "artifacts/k3s").stat().st_mode) == 0o755
    with tarfile.open(bundle_dir.with_name("bundle.tar.gz")) as tar:
        assert "bundle/SHA256SUMS" in tar.getnames()


def test_the_token_stays_out_of_plan_and_readme(bundle_dir: Path):
    assert TOKEN not in (bundle_dir / "plan.yaml").read_text()
    assert TOKEN not in (bundle_dir / "README.md").read_text()
    dropin = bundle_dir / "files/server/etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml"
    assert stat.S_IMODE(dropin.stat().st_mode) == 0o600


def test_readme_has_the_steps(bundle_dir: Path):
    text = (bundle_dir / "README.md").read_text()
    for step in (
        "sha256sum -c SHA256SUMS",
        "k3stui install --airgap . --role server --dry-run",
        "install -m 0755 artifacts/k3s /usr/local/bin/k3s",
        "/var/lib/rancher/k3s/agent/images",
        "INSTALL_K3S_SKIP_DOWNLOAD=true",
        "tar -xzf bundle.tar.gz",
    ):
        assert step in text, step


def test_readme_quotes_hostile_values(tmp_path: Path, artifacts: Path):
    from k3stui.findings import InputError
    from k3stui.install.bundle import readme, scan_artifacts

    hostile = "v1.31.4+k3s1$(touch /tmp/x)"
    plan = agent_plan(replace(PRESETS["flannel-vxlan"], k3s_version=hostile))
    plan = replace(plan, server="https://10.0.0.1:6443/`id`")
    with pytest.raises(InputError, match="touch"):  # not a K3s version: no bundle is made for it
        make_bundle(plan, tmp_path / "b", artifacts_dir=artifacts, wheels=None)
    assert not (tmp_path / "b").exists() and not (tmp_path / "b.tar.gz").exists()
    text = readme(plan, scan_artifacts(artifacts)[0], [])
    assert f"'{hostile}'" in text
    assert "$(touch" not in text.replace(f"'{hostile}'", "")


def test_k3s_version_given_on_the_command_line_wins_everywhere(tmp_path: Path):
    import json

    plan = replace(PRESETS["flannel-vxlan"], k3s_version="v1.30.0+k3s1")
    bundle(plan, tmp_path / "b", k3s_version="v1.31.4+k3s1")
    assert json.loads((tmp_path / "b/bundle.json").read_text())["k3s-version"] == "v1.31.4+k3s1"
    text = (tmp_path / "b/README.md").read_text()
    assert "(K3s v1.31.4+k3s1)" in text and "INSTALL_K3S_VERSION=v1.31.4+k3s1" in text
    assert "v1.30.0" not in text


def test_embedding_sets_chart_content_of_every_needed_chart():
    calico = {
        "cni": "calico",
        "calico": {
            "chart": {"name": "tigera-operator", "version": "v3.32.1"},
            "crdChart": {"name": "crd.projectcalico.org.v1", "version": ""},
        },
    }
    refs = needed_charts(calico)
    assert [(r.name, r.version) for r in refs] == [
        ("tigera-operator", "v3.32.1"),
        ("crd.projectcalico.org.v1", "v3.32.1"),
    ]
    op = ChartArchive("tigera-operator", "v3.32.1", "charts/op.tgz", b"OP")
    values, missing = embed_charts(calico, [op])
    assert values["calico"]["chart"]["chartContent"] == base64.b64encode(b"OP").decode()
    assert missing == ["crd.projectcalico.org.v1 v3.32.1"]
    assert "chartContent" not in calico["calico"]["chart"]  # pure: the input is untouched
    multus = {
        "cni": "flannel",
        "multus": {
            "enabled": True,
            "whereabouts": True,
            "chart": {"name": "rke2-multus", "version": "v4.3.017"},
            "crdChart": {"name": "rke2-multus-crd", "version": ""},
        },
    }
    assert [(r.name, r.version) for r in needed_charts(multus)] == [
        ("rke2-multus", "v4.3.017"),
        ("rke2-multus-crd", "4.3.017"),
    ]
    assert needed_charts({"cni": "flannel"}) == []


def test_airgap_install_places_everything_and_skips_download(bundle_dir: Path, sandbox: Path):
    plan = token_plan(PRESETS["cilium"])
    b = load_bundle(bundle_dir)
    actions, result, _ = install(plan, "server", sandbox, None, b)
    assert result.ok, (result.message, [f.message for f in actions.findings])
    k3s = sandbox / "usr/local/bin/k3s"
    assert k3s.read_bytes() == BINARY and stat.S_IMODE(k3s.stat().st_mode) == 0o755
    images = sandbox / "var/lib/rancher/k3s/agent/images/k3s-airgap-images-amd64.tar.zst"
    assert images.read_bytes() == (bundle_dir / "artifacts/k3s-airgap-images-amd64.tar.zst").read_bytes()
    script = bundle_dir / "artifacts/install.sh"
    assert install_env(recorded_env(script)) == expected_env(plan, "server", sandbox, airgap=True)
    manifest = yaml.safe_load((sandbox / "var/lib/rancher/k3s/server/manifests/k3s-cni.yaml").read_text())
    values = yaml.safe_load(manifest["spec"]["valuesContent"])
    want = base64.b64encode((bundle_dir / "charts/cilium-1.20.0.tgz").read_bytes()).decode()
    assert values["cilium"]["chart"]["chartContent"] == want


def test_airgap_agent_env(bundle_dir: Path, sandbox: Path):
    place_agent_token(sandbox)
    plan = agent_plan(PRESETS["cilium"])
    _, result, _ = install(plan, "agent", sandbox, None, load_bundle(bundle_dir))
    assert result.ok, result.message
    env = install_env(recorded_env(bundle_dir / "artifacts/install.sh"))
    assert env == expected_env(plan, "agent", sandbox, airgap=True)


def _refused_before_any_change(bundle_dir: Path, sandbox: Path, plan=None) -> list[str]:
    before = snapshot(sandbox, ignore_logs=False)
    actions, result, _ = install(plan or PRESETS["cilium"], "server", sandbox, None, load_bundle(bundle_dir))
    assert actions.refused and not result.ok
    assert snapshot(sandbox, ignore_logs=False) == before
    return [f.message for f in actions.findings if f.severity.value == "error"]


def test_corrupt_images_are_named_before_anything_changes(bundle_dir: Path, sandbox: Path):
    with (bundle_dir / "artifacts/k3s-airgap-images-amd64.tar.zst").open("ab") as fh:
        fh.write(b"flipped")
    errors = _refused_before_any_change(bundle_dir, sandbox)
    assert any("artifacts/k3s-airgap-images-amd64.tar.zst is corrupt" in e for e in errors)


def test_an_unreadable_artifact_is_named_not_a_traceback(bundle_dir: Path, monkeypatch):
    from k3stui import fsio

    real = fsio.sha256_file

    def sha256_file(path):
        if str(path).endswith("artifacts/k3s"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(fsio, "sha256_file", sha256_file)
    problems = load_bundle(bundle_dir).problems
    assert any(p.startswith("artifacts/k3s cannot be read") for p in problems)


@pytest.mark.parametrize("gone", ["artifacts/install.sh", "artifacts/k3s"])
def test_missing_artifacts_are_named(bundle_dir: Path, sandbox: Path, gone: str):
    os.unlink(bundle_dir / gone)
    errors = _refused_before_any_change(bundle_dir, sandbox)
    assert any(e.startswith(f"{gone} is listed in SHA256SUMS but missing") for e in errors)


def test_unlisted_artifact_is_refused(bundle_dir: Path, sandbox: Path):
    (bundle_dir / "artifacts/k3s-airgap-images-arm64.tar.zst").write_bytes(b"sneaked in")
    errors = _refused_before_any_change(bundle_dir, sandbox)
    assert any("not listed in SHA256SUMS" in e for e in errors)


def test_missing_upstream_chart_is_named(tmp_path: Path, artifacts: Path, sandbox: Path):
    os.unlink(artifacts / "cilium-1.20.0.tgz")
    report = bundle(PRESETS["cilium"], tmp_path / "b2", artifacts_dir=artifacts)
    assert report.missing == ["chart cilium 1.20.0 (its .tgz)"]
    assert "chart cilium 1.20.0" in (tmp_path / "b2/README.md").read_text()
    errors = _refused_before_any_change(tmp_path / "b2", sandbox)
    assert any("upstream chart cilium 1.20.0 is not in the bundle" in e for e in errors)


def test_a_tgz_that_is_no_chart_is_ignored_not_bundled(tmp_path: Path, artifacts: Path):
    (artifacts / "backup.tgz").write_bytes(b"not a tar archive")
    report = bundle(PRESETS["cilium"], tmp_path / "b5", artifacts_dir=artifacts)
    assert report.ignored == ["backup.tgz", "notes.txt"] and report.missing == []
    assert load_bundle(tmp_path / "b5").problems == ()  # installable, not refused on the node


def test_bundle_without_artifacts_lists_them(tmp_path: Path):
    report = bundle(PRESETS["flannel-vxlan"], tmp_path / "b3")
    assert len(report.missing) == 3 and any("k3s-airgap-images" in m for m in report.missing)
    problems = load_bundle(tmp_path / "b3").problems
    assert any("artifacts/k3s (the k3s binary)" in p for p in problems)


def test_bundle_refuses_a_non_empty_folder_without_force(tmp_path: Path, artifacts: Path):
    from k3stui.fsio import WriteRefused

    bundle(PRESETS["flannel-vxlan"], tmp_path / "b4", artifacts_dir=artifacts)
    with pytest.raises(WriteRefused):
        bundle(PRESETS["flannel-vxlan"], tmp_path / "b4", artifacts_dir=artifacts)
    bundle(PRESETS["flannel-vxlan"], tmp_path / "b4", artifacts_dir=artifacts, force=True)


def test_replaced_binary_comes_back_on_failure_and_leaves_no_backup_on_success(
    bundle_dir: Path, sandbox: Path
):
    old = sandbox / "usr/local/bin/k3s"
    old.write_bytes(b"old k3s\n")
    os.chmod(old, 0o755)
    (bundle_dir / "artifacts/fail").write_text("")  # the bundle's (fake) install.sh fails
    before = snapshot(sandbox)
    _, result, _ = install(PRESETS["cilium"], "server", sandbox, None, load_bundle(bundle_dir))
    assert not result.ok and snapshot(sandbox) == before
    os.unlink(bundle_dir / "artifacts/fail")
    _, result, _ = install(PRESETS["cilium"], "server", sandbox, None, load_bundle(bundle_dir))
    assert result.ok and old.read_bytes() == BINARY
    assert not list(old.parent.glob("k3s.k3stui-*.bak"))


# --- bundle: the K3s release, k3stui's wheels, an archive that is whole or absent ------------


def _names(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_a_bundle_needs_a_k3s_version_and_a_binary_of_that_version(tmp_path: Path, artifacts: Path):
    from k3stui.findings import InputError

    plan = replace(PRESETS["flannel-vxlan"], k3s_version=None)
    with pytest.raises(InputError, match="--k3s-version"):
        make_bundle(plan, tmp_path / "b", artifacts_dir=artifacts, wheels=None)
    with pytest.raises(InputError, match=r"is K3s v1.34.3\+k3s1 but the plan is for v1.33.1\+k3s1"):
        make_bundle(plan, tmp_path / "b", artifacts_dir=artifacts, wheels=None, k3s_version="v1.33.1+k3s1")
    (artifacts / "k3s").write_bytes(b"\x7fELF no version in here")
    with pytest.raises(InputError, match="cannot tell which K3s release"):
        bundle(plan, tmp_path / "b", artifacts_dir=artifacts)
    assert not (tmp_path / "b").exists() and not (tmp_path / "b.tar.gz").exists()


def test_binary_version_asks_the_binary_first_then_reads_it(tmp_path: Path):
    from k3stui.install.bundle import binary_version

    runnable = tmp_path / "k3s"
    runnable.write_text("#!/bin/sh\necho 'k3s version v1.33.5+k3s1 (0abc1234)'\necho 'go version go1.24'\n"
                        "# pkg/version.Version=v1.20.0+k3s1 gitVersion=v1.20.0+k3s1 (not what it says)\n")
    runnable.chmod(0o755)
    assert binary_version(runnable) == "v1.33.5+k3s1"
    runnable.chmod(0o644)  # cannot run (e.g. another architecture): the string inside decides
    assert binary_version(runnable) == "v1.20.0+k3s1"
    big = tmp_path / "big"
    big.write_bytes(b"\0" * ((1 << 20) - 5) + b"v1.34.3+k3s1" + b"\0" * 100)  # across a read boundary
    assert binary_version(big) == "v1.34.3+k3s1"


def test_k3s_install_sh_is_accepted_and_bundled_as_install_sh(tmp_path: Path, artifacts: Path):
    os.rename(artifacts / "install.sh", artifacts / "k3s-install.sh")
    report = bundle(PRESETS["flannel-vxlan"], tmp_path / "b", artifacts_dir=artifacts)
    assert "artifacts/install.sh" in report.files and report.missing == []


def _fake_wheels(dest: Path):
    from k3stui.install.bundle import Wheels

    made = []
    for name in ("k3stui-0.0.0-py3-none-any.whl", "PyYAML-6.0-cp311-none-any.whl"):
        (dest / name).write_bytes(b"PK fake wheel " + name.encode())
        made.append(dest / name)
    return Wheels(tuple(made))


def test_k3stui_wheels_go_in_the_bundle_with_the_offline_pip_command_first(tmp_path: Path, artifacts: Path):
    out = tmp_path / "b"
    report = bundle(PRESETS["flannel-vxlan"], out, artifacts_dir=artifacts, wheels=_fake_wheels)
    assert report.wheel_problem is None
    assert {"wheels/k3stui-0.0.0-py3-none-any.whl", "wheels/PyYAML-6.0-cp311-none-any.whl"} <= _names(out)
    assert "wheels/k3stui-0.0.0-py3-none-any.whl" in airgap.parse_sums((out / "SHA256SUMS").read_text())
    text = (out / "README.md").read_text()
    assert "pip install --no-index --find-links wheels k3stui" in text
    assert text.index("Install a node with k3stui") < text.index("Install a node by hand")
    assert "sudo /opt/k3stui/bin/k3stui install --airgap . --role server --dry-run" in text


def test_without_wheels_the_by_hand_path_comes_first_and_says_why(tmp_path: Path, artifacts: Path):
    from k3stui.install.bundle import Wheels

    out = tmp_path / "b"
    why = "pip wheel failed (is the package registry reachable?)"
    report = bundle(PRESETS["flannel-vxlan"], out, artifacts_dir=artifacts,
                    wheels=lambda _dest: Wheels(problem=why))
    assert report.wheel_problem and not any(p.startswith("wheels/") for p in _names(out))
    text = (out / "README.md").read_text()
    assert text.index("Install a node by hand") < text.index("Install a node with k3stui")
    assert "k3stui is not in this bundle (pip wheel failed (is the package registry reachable?))" in text
    assert "tar -xzf b.tar.gz" in text.split("Install a node with k3stui")[0]


def test_pip_failure_is_reported_not_raised(tmp_path: Path, monkeypatch):
    import subprocess

    from k3stui.install import bundle as bundle_mod

    def offline(cmd, **kw):
        assert cmd[1:4] == ["-m", "pip", "wheel"] and "--wheel-dir" in cmd
        return subprocess.CompletedProcess(cmd, 1, "", "ERROR: No matching distribution for hatchling\n")

    monkeypatch.setattr(bundle_mod.subprocess, "run", offline)
    made = bundle_mod.pip_wheels(tmp_path)
    assert made.files == () and "registry reachable" in made.problem and "hatchling" in made.problem


@pytest.mark.slow
@pytest.mark.xdist_group("k3stui-wheel")  # the session's one wheel build, shared with tests/test_packaging.py
def test_pip_wheels_builds_k3stui_and_its_dependencies(k3stui_wheels, request: pytest.FixtureRequest):
    made = k3stui_wheels  # pip_wheels(a session folder), tests/conftest.py
    if made.problem:
        pytest.skip(f"no package registry here: {made.problem}")
    names = {w.name.split("-")[0].lower().replace("_", "-") for w in made.files}
    assert {"k3stui", "textual", "pyyaml", "jinja2", "sh", "jsonschema"} <= names
    # The bundle README's offline command installs from these wheels alone (the fixture runs it).
    import subprocess

    env_dir: Path = request.getfixturevalue("installed_k3stui")
    done = subprocess.run([str(env_dir / "bin/k3stui"), "--version"], capture_output=True, text=True,
                          env=outside_env(), cwd=env_dir, check=False)
    assert done.returncode == 0 and done.stdout.startswith("k3stui ")


def test_packing_reports_progress_up_to_the_whole(tmp_path: Path, artifacts: Path):
    (artifacts / "k3s-airgap-images-amd64.tar.zst").write_bytes(os.urandom(3 << 20))
    seen: list[tuple[int, int, str]] = []
    bundle(PRESETS["flannel-vxlan"], tmp_path / "b", artifacts_dir=artifacts,
           progress=lambda done, total, name: seen.append((done, total, name)))
    dones = [d for d, _, _ in seen]
    assert dones == sorted(dones) and dones[-1] == seen[-1][1] > 3 << 20
    assert "k3s-airgap-images-amd64.tar.zst" in {n for _, _, n in seen}


def test_progress_line_prints_every_tenth_of_a_large_archive_only():
    from k3stui.commands.bundle import ProgressLine

    out = io.StringIO()
    line = ProgressLine(out, at_least=1000)
    for done in range(0, 2001, 50):
        line(done, 2000, "images.tar.zst")
    want = [f"bundle: packing {p}% (images.tar.zst)" for p in range(0, 101, 10)]
    assert out.getvalue().splitlines() == want
    quiet = io.StringIO()
    ProgressLine(quiet, at_least=1000)(10, 999, "small")
    assert quiet.getvalue() == ""


def test_a_failure_while_packing_leaves_no_archive(tmp_path: Path, artifacts: Path, monkeypatch):
    calls = []
    real = tarfile.TarFile.addfile

    def flaky(self, info, fileobj=None):
        calls.append(info.name)
        if len(calls) == 5:
            raise OSError(28, "No space left on device")
        return real(self, info, fileobj)

    monkeypatch.setattr(tarfile.TarFile, "addfile", flaky)
    with pytest.raises(OSError, match="No space left"):
        bundle(PRESETS["flannel-vxlan"], tmp_path / "b", artifacts_dir=artifacts)
    assert not (tmp_path / "b.tar.gz").exists()
    assert not [p.name for p in tmp_path.iterdir() if ".tar.gz" in p.name]  # no temporary left either


def test_a_bundle_of_a_plan_with_nodes_says_to_install_each_with_node(tmp_path: Path):
    from k3stui.plan import Node

    nodes = (Node("srv1", "10.0.0.30", "server"), Node("ag1", "10.0.0.31"))
    bundle(replace(PRESETS["flannel-host-gw"], nodes=nodes), tmp_path / "b")
    text = (tmp_path / "b/README.md").read_text()
    assert "The plan lists its nodes (srv1, ag1): on each, use `--node <name>`" in text
    bundle(PRESETS["flannel-vxlan"], tmp_path / "plain")
    assert "--node" not in (tmp_path / "plain/README.md").read_text()
