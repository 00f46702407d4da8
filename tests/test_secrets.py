"""Secrets stay secret (issue 15 items 1-4): one masking module, used by every output.

The last test plants a secret in every input and greps every output and every file of every
command for it."""

from __future__ import annotations

import json
import os
import stat
import tarfile
from pathlib import Path

import pytest
import yaml

from k3stui import flags
from k3stui.plan import Plan, Secret
from k3stui.secrets import (
    MASK,
    data_secrets,
    mask_data,
    mask_text,
    mask_url,
    mask_yaml,
    plan_secrets,
)


def test_the_secret_flags_come_from_the_flag_table() -> None:
    expected = {"token", "agent-token", "vpn-auth", "datastore-endpoint", "etcd-s3-access-key",
                "etcd-s3-secret-key", "etcd-s3-session-token", "cluster-secret"}
    assert expected == flags.SECRETS
    assert all(flags.FLAGS[k].secret for k in flags.SECRETS)


@pytest.mark.parametrize("url, shown", [
    ("postgres://k3s:pa55@db.example:5432/k3s", "postgres://k3s:********@db.example:5432/k3s"),
    ("mysql://root:pa:55@tcp(db:3306)/k3s", "mysql://root:********@tcp(db:3306)/k3s"),
    ("nats://u:p@nats:4222?bucket=x", "nats://u:********@nats:4222?bucket=x"),
    ("postgres://db/k3s?sslmode=x&password=pa55", "postgres://db/k3s?sslmode=x&password=********"),
    ("https://etcd-1:2379,https://etcd-2:2379", "https://etcd-1:2379,https://etcd-2:2379"),
    ("sqlite:///var/lib/rancher/k3s/server/db/state.db", "sqlite:///var/lib/rancher/k3s/server/db/state.db"),
])
def test_datastore_endpoint_hides_only_its_credentials(url: str, shown: str) -> None:
    assert mask_url(url) == shown
    assert mask_data({"datastore-endpoint": url}) == {"datastore-endpoint": shown}


def test_mask_data_by_key_at_any_depth() -> None:
    data = {"token": "t", "spec": {"extra": {"agent-token": ["a"], "etcd-s3-secret-key": "s"}},
            "list": [{"vpn-auth": "v", "keep": 1}], "token-file": "/etc/t", "secret": Secret("x")}
    assert mask_data(data) == {
        "token": MASK, "spec": {"extra": {"agent-token": [MASK], "etcd-s3-secret-key": MASK}},
        "list": [{"vpn-auth": MASK, "keep": 1}], "token-file": "/etc/t", "secret": MASK}


def test_mask_text_hides_every_quoted_form_of_a_value() -> None:
    secret = "ab'c\"d\\e\u2028f"
    forms = [secret, secret.replace("'", "''"), json.dumps(secret)[1:-1], repr(secret)[1:-1],
             yaml.safe_dump(secret, default_style='"').strip().strip('"')]
    text = "\n".join(f"x{i} {f} y" for i, f in enumerate(forms))
    masked = mask_text(text, [secret])
    assert "ab" not in masked and "d\\" not in masked
    assert masked.splitlines()[0] == f"x0 {MASK} y"


def test_mask_text_hides_secret_keys_values_on_their_lines() -> None:
    text = ("token: old1\n-agent-token: \"old2\"\n+  vpn-auth: 'old3'\n  \"etcd-s3-access-key\": \"old4\",\n"
            "k3s server --token=old5 --etcd-s3-secret-key old6 --flannel-backend=vxlan\n"
            "datastore-endpoint: postgres://u:old7@db/k3s\n"
            "token-file: /etc/t\nsecrets-encryption: true\n")
    masked = mask_text(text)
    for n in range(1, 8):
        assert f"old{n}" not in masked
    assert "postgres://u:********@db/k3s" in masked and "--flannel-backend=vxlan" in masked
    assert "token-file: /etc/t" in masked and "secrets-encryption: true" in masked
    assert '  "etcd-s3-access-key": "********",' in masked  # JSON stays JSON


def test_mask_yaml_replaces_the_value_wherever_it_stands() -> None:
    text = ('token: |\n  multi\n  line\n\nagent-token: "esc\\x41ped"\n'
            "vpn-auth: &v plain\nother: *v\ndatastore-endpoint: 'postgres://u:pw@db/k3s'\nkeep: yes\n")
    masked = mask_yaml(text)
    for leak in ("multi", "esc", "plain", ":pw@"):
        assert leak not in masked
    assert "postgres://u:********@db/k3s" in masked and masked.endswith("keep: yes\n")


def test_plan_and_data_secrets() -> None:
    plan = Plan(token=Secret("T1"), extra={"agent-token": "A1", "datastore-endpoint": "postgres://u:P1@db/x",
                                           "node-label": ["x=1"]})
    assert set(plan_secrets(plan)) == {"T1", "A1", "P1"}
    assert set(data_secrets({"token": "T2", "x": [{"etcd-s3-session-token": "S2"}]})) == {"T2", "S2"}


def test_tui_preview_masks_every_secret() -> None:
    from k3stui.tui.plan_files import preview_items
    from k3stui.tui.state import PlanState

    plan = Plan(role="agent", server="https://10.0.0.1:6443", token=Secret("TUItok3n"),
                extra={"vpn-auth": "name=tailscale,joinKey=TUIvpnKEY"})
    items = preview_items(PlanState(plan=plan, source="host config"))
    text = "\n".join(body for _, body in items)
    assert "token:" in text and "TUItok3n" not in text and "TUIvpnKEY" not in text


# --- every command, every output, every file ----------------------------------------------------

# Every secret flag the newest release accepts (a removed one, cluster-secret, is an error by itself).
MARKS = {k: f"PLANTED{n}x" for n, k in enumerate(sorted(flags.SECRETS)) if not flags.FLAGS[k].removed}
OLD = {"token": "OLDtokPLANTEDa", "agent-token": "OLDagentPLANTEDb"}
EXEC_TOKEN = "PLANTEDexec"


def _hostile(mark: str) -> str:
    return f"K10::q'u\"o\\te{mark}\u00e9:end"


def _config(tmp_path: Path) -> Path:
    values = {k: _hostile(m) for k, m in MARKS.items()}
    values["datastore-endpoint"] = f"postgres://k3s:{MARKS['datastore-endpoint']}@db.example:5432/k3s"
    values["cluster-cidr"] = "10.42.0.0/16"
    cfg = tmp_path / "in.yaml"
    cfg.write_text(yaml.safe_dump(values, default_style='"', allow_unicode=False))
    cfg.chmod(0o600)  # the user's own files: owner-only, as the ones k3stui writes
    return cfg


def _leaks(text: str) -> list[str]:
    return [m for m in [*MARKS.values(), *OLD.values(), EXEC_TOKEN] if m in text]


def _tree_leaks(root: Path, allowed: tuple[str, ...] = ()) -> list[str]:
    """Files under `root` holding a planted secret, except `allowed` names (which must be 0600)."""
    out = []
    for p in sorted(root.rglob("*")):
        if p.is_symlink() or not p.is_file():
            continue
        data = p.read_bytes()
        if p.name.endswith((".tar.gz", ".tgz")):
            with tarfile.open(p) as tar:
                for m in tar.getmembers():
                    fh = tar.extractfile(m)
                    if fh is not None and _leaks(fh.read().decode("utf-8", "replace")):
                        assert m.name.endswith(allowed) and m.mode & 0o077 == 0, m.name
            continue
        if _leaks(data.decode("utf-8", "replace")):
            if p.name.endswith(allowed):
                assert stat.S_IMODE(p.stat().st_mode) & 0o077 == 0, p
            else:
                out.append(str(p.relative_to(root)))
    return out


def test_no_output_and_no_shared_file_holds_a_planted_secret(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from k3stui.cli import main

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("K3STUI_NO_DOWNLOAD", "1")
    cfg = _config(tmp_path)
    other = tmp_path / "other-server.yaml"
    other.write_text(f"token: {OLD['token']}\ncluster-cidr: 10.42.0.0/16\n")
    other.chmod(0o600)
    inputs = ["-c", str(cfg), "--server-config", str(other), "--exec", f"server --agent-token={EXEC_TOKEN}"]
    said: dict[str, str] = {}

    def run(name: str, *argv: str) -> int:
        rc = main(list(argv))
        out = capsys.readouterr()
        said[name] = out.out + out.err
        return rc

    assert run("check", "check", *inputs) in (0, 1)
    assert run("check json", "check", *inputs, "--format", "json") in (0, 1)
    json.loads(said["check json"])  # still JSON after masking

    out = tmp_path / "out"
    assert run("render", "render", *inputs, "--out", str(out)) == 0, said["render"]
    dropin = "50-k3stui-network.yaml"  # the node's own config: it must carry them, owner-only
    assert _tree_leaks(out, allowed=(dropin,)) == []

    target = tmp_path / "config.yaml"
    original = (f"token: {OLD['token']}\nagent-token: \"{OLD['agent-token'][:3]}\\x{ord('a'):02x}"
                f"{OLD['agent-token'][4:]}\"\nnode-ip: 10.0.0.5\n")
    target.write_text(original)
    target.chmod(0o644)
    rc = run("merge dry", "render", *inputs, "--merge-into", str(target), "--dry-run")
    assert rc == 0, said["merge dry"]
    assert target.read_text() == original
    assert run("merge", "render", *inputs, "--merge-into", str(target)) == 0, said["merge"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    for backup in tmp_path.glob("config.yaml.k3stui-*.bak"):
        assert stat.S_IMODE(backup.stat().st_mode) == 0o600

    preset_out = tmp_path / "imported.yaml"
    assert run("preset import", "preset", "import", "-c", str(cfg), "--exec", f"server --token={EXEC_TOKEN}",
               "--name", "mine") in (0, 1)
    assert run("preset import --out", "preset", "import", "-c", str(cfg), "--name", "mine",
               "--out", str(preset_out)) in (0, 1)
    assert not _leaks(preset_out.read_text())

    root = tmp_path / "root"
    (root / "etc/rancher/k3s").mkdir(parents=True)
    host_config = root / "etc/rancher/k3s/config.yaml"
    host_config.write_text(f"token: {OLD['token']}\nagent-token: {OLD['agent-token']}\n")
    host_config.chmod(0o600)
    script = tmp_path / "install.sh"
    script.write_text("#!/bin/sh\nexit 0\n")
    run("install", "install", *inputs, "--root", str(root), "--install-script", str(script), "--dry-run")
    assert "Preflight" in said["install"], said["install"]

    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    (artifacts / "k3s").write_bytes(b"\x7fELF fake ...pkg/version.Version=v1.34.3+k3s1...\n")
    (artifacts / "install.sh").write_text("#!/bin/sh\nexit 0\n")
    (artifacts / "k3s-airgap-images-amd64.tar.zst").write_bytes(b"\x28\xb5\x2f\xfd images")
    bundle = tmp_path / "bundle"
    run("bundle", "bundle", *inputs, "--out", str(bundle), "--artifacts", str(artifacts),
        "--k3s-version", "v1.34.3+k3s1", "--no-wheels")
    assert bundle.is_dir(), said["bundle"]
    assert _tree_leaks(bundle, allowed=(dropin,)) == []
    assert _tree_leaks(tmp_path, allowed=(dropin, "config.yaml", ".bak", "in.yaml", "other-server.yaml")
                       ) == [], "a file outside the node configs holds a secret"
    leaks = {name: _leaks(text) for name, text in said.items() if _leaks(text)}
    assert leaks == {}
    assert os.environ.get("K3STUI_DEBUG") is None
