"""The `k3stui check` contract: exit codes, JSON shape, clear errors, no tracebacks, no TUI import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from k3stui import cli
from k3stui.resources import presets_dir

REPO = Path(__file__).resolve().parents[1]

SUBCOMMANDS = [
    ["check"], ["render"], ["preset"], ["preset", "list"], ["preset", "show"], ["preset", "validate"],
    ["preset", "import"], ["install"], ["bundle"], ["rules"],
]


def test_version_and_help(run_cli) -> None:
    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("k3stui ")
    r = run_cli("--help")
    assert r.returncode == 0 and "check" in r.stdout and "v1." in r.stdout


@pytest.mark.parametrize("words", SUBCOMMANDS, ids=" ".join)
def test_every_subcommand_has_help(run_cli, words: list[str]) -> None:
    r = run_cli(*words, "--help")
    assert r.returncode == 0, r.stderr
    assert "usage: k3stui" in r.stdout


def test_check_help_names_the_default_version(run_cli) -> None:
    from k3stui.versions import NEWEST_KNOWN

    assert NEWEST_KNOWN in run_cli("check", "--help").stdout


def test_defaults_are_valid(run_cli) -> None:
    r = run_cli("check", "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert set(out) == {"findings", "plan"}
    assert out["plan"]["effective"]["cluster-dns"] == ["10.43.0.10"]
    assert all(f["severity"] != "error" for f in out["findings"])


def test_bad_cidr_is_an_error_at_its_key(run_cli, tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text("cluster-cidr: 10.42.0.0/33\n")
    r = run_cli("check", "--config", str(cfg), "--format", "json")
    assert r.returncode == 1
    found = json.loads(r.stdout)["findings"]
    errors = [f for f in found if f["severity"] == "error" and f["key"] == "cluster-cidr"]
    assert errors and all(f["code"] and f["message"] and f["hint"] for f in errors)
    assert set(found[0]) == {"severity", "code", "key", "message", "hint"}


def test_text_output_groups_by_severity_without_colour(run_cli, tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text("cluster-cidr: 10.42.0.0/33\nflannel-backend: host-gw\n")
    r = run_cli("check", "--config", str(cfg))
    assert r.returncode == 1
    assert "Errors (" in r.stdout and "\033[" not in r.stdout
    assert "fix:" in r.stdout


def test_missing_file_is_unusable_input(run_cli, tmp_path: Path) -> None:
    r = run_cli("check", "--config", str(tmp_path / "nope.yaml"))
    assert r.returncode == 2
    assert "nope.yaml" in r.stderr and "Traceback" not in r.stderr


def test_broken_yaml_names_line_and_column(run_cli, tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text("cluster-cidr: 10.42.0.0/16\nservice-cidr: [10.43.0.0/16\nflannel-backend: vxlan\n")
    r = run_cli("check", "--config", str(cfg))
    assert r.returncode == 2, r.stdout
    assert f"{cfg}:" in r.stderr and "Traceback" not in r.stderr
    assert any(f"{cfg}:{n}:" in r.stderr for n in (2, 3, 4))


def test_tutorial_netconf_missing_comma_points_at_the_line(run_cli, tmp_path: Path) -> None:
    conf = tmp_path / "net-conf.json"
    conf.write_text('{\n  "Network": "10.42.0.0/16",\n  "Backend": {\n    "Type": "vxlan"\n'
                    '    "DirectRouting": true\n  }\n}\n')
    r = run_cli("check", "--flannel-conf", str(conf))
    assert r.returncode == 2
    # The comma belongs right after "vxlan" on line 4, column 20.
    assert f"{conf}:4:20:" in r.stderr and "','" in r.stderr and "Traceback" not in r.stderr


def test_exec_list_flags_append_to_the_config_file(run_cli, tmp_path: Path) -> None:
    # K3s puts the file's values first and a slice flag adds: two IPv4 CIDRs, which K3s refuses.
    cfg = tmp_path / "config.yaml"
    cfg.write_text("cluster-cidr: 10.42.0.0/16\n")
    r = run_cli("check", "--config", str(cfg), "--exec", "server --cluster-cidr=10.52.0.0/16",
                "--format", "json")
    out = json.loads(r.stdout)
    assert out["plan"]["effective"]["cluster-cidr"] == ["10.42.0.0/16", "10.52.0.0/16"]
    assert "CIDR005" in {f["code"] for f in out["findings"]} and r.returncode == 1


def test_config_dir_drop_ins_merge_alphabetically(run_cli, tmp_path: Path) -> None:
    d = tmp_path / "config.yaml.d"
    d.mkdir()
    (d / "20-b.yaml").write_text("cluster-cidr: 10.62.0.0/16\n")
    (d / "10-a.yaml").write_text("cluster-cidr: 10.52.0.0/16\n")
    r = run_cli("check", "--config-dir", str(d), "--format", "json")
    assert json.loads(r.stdout)["plan"]["effective"]["cluster-cidr"] == ["10.62.0.0/16"]


def test_token_is_never_printed(run_cli, tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text("token: s3cr3t-t0ken-value\nserver: http://10.0.0.1:6443\n")
    for fmt in ("text", "json"):
        r = run_cli("check", "--exec", "agent", "--config", str(cfg), "--format", fmt)
        assert "s3cr3t-t0ken-value" not in r.stdout + r.stderr
        assert r.returncode == 1  # http:// server URL on an agent


@pytest.mark.parametrize("preset", sorted(p.stem for p in presets_dir().glob("*.yaml")))
def test_every_shipped_preset_checks_clean(run_cli, preset: str) -> None:
    r = run_cli("check", "--preset", preset, "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert not [f for f in json.loads(r.stdout)["findings"] if f["severity"] == "error"]


def test_headless_commands_do_not_import_the_tui() -> None:
    for argv in (["check", "--help"], ["check", "--preset", "flannel-vxlan"]):
        r = subprocess.run([sys.executable, "-X", "importtime", "-m", "k3stui", *argv],
                           capture_output=True, text=True, cwd=REPO, timeout=60)
        imported = {line.split("|")[-1].strip() for line in r.stderr.splitlines() if "|" in line}
        for heavy in ("textual", "sh", "jinja2"):
            assert heavy not in imported, f"{argv} imports {heavy}"


# --- never a traceback, whatever the input -------------------------------------------------------

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flags=_text)
def test_random_exec_strings_never_crash(flags: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["check", "--exec", flags, "--format", "json"])
    _, err = capsys.readouterr()
    assert code in (0, 1, 2), err
    assert "internal error" not in err and "Traceback" not in err


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.one_of(
    _text,
    st.dictionaries(st.sampled_from(["cluster-cidr", "service-cidr", "cluster-dns", "flannel-backend",
                                     "node-ip", "service-node-port-range", "cluster-domain",
                                     "flannel-ipv6-masq", "kube-controller-manager-arg", "nonsense-key"]),
                    st.one_of(_text, st.booleans(), st.integers(), st.lists(_text, max_size=3)),
                    max_size=6).map(lambda d: json.dumps(d)),
))
def test_random_config_documents_never_crash(doc: str, tmp_path_factory: pytest.TempPathFactory,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path_factory.mktemp("cfg") / "config.yaml"
    cfg.write_text(doc, encoding="utf-8")
    code = cli.main(["check", "--config", str(cfg), "--format", "json"])
    _, err = capsys.readouterr()
    assert code in (0, 1, 2), err
    assert "internal error" not in err


@settings(max_examples=60, deadline=None)
@given(cidr=st.one_of(_text, st.from_regex(r"\A[0-9a-f:.]{1,40}/[0-9]{1,3}\Z")))
def test_random_cidrs_never_crash(cidr: str) -> None:
    from k3stui.plan import Plan
    from k3stui.rules import validate

    validate(Plan(cluster_cidr=(cidr,), service_cidr=(cidr,), cluster_dns=(cidr.split("/")[0],)))


def test_other_servers_critical_values_are_compared_by_file(run_cli, tmp_path: Path) -> None:
    mine, other = tmp_path / "s1.yaml", tmp_path / "s2.yaml"
    mine.write_text("cluster-cidr: 10.42.0.0/16\n")
    other.write_text("cluster-cidr: 10.52.0.0/16\n")
    r = run_cli("check", "--config", str(mine), "--server-config", str(other), "--format", "json")
    assert r.returncode == 1
    ha = [f for f in json.loads(r.stdout)["findings"] if f["code"] == "HA001"]
    assert [f["key"] for f in ha] == ["cluster-cidr"] and str(other) in ha[0]["message"]
    other.write_text("cluster-cidr: 10.42.0.0/16  # same\n")
    assert run_cli("check", "--config", str(mine), "--server-config", str(other)).returncode == 0
