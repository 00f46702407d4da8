"""The cluster layer against real kubectl and a stub API serving recorded objects: a good cluster
passes, each broken one fails exactly where it is broken."""

from __future__ import annotations

import pytest
from doctorkit import doctor_json, statuses

from k3stui.cli import main

CLUSTER_CODES = ("DOC100", "DOC101", "DOC102", "DOC103", "DOC110", "DOC120", "DOC121", "DOC130")


def host_gw(capsys, kubeconfig, *extra: str) -> tuple[int, dict]:
    """`k3stui doctor --preset flannel-host-gw --kubeconfig K EXTRA --format json`."""
    return doctor_json(capsys, "--preset", "flannel-host-gw", "--kubeconfig", str(kubeconfig), *extra)


def test_good_host_gw_cluster_passes(cluster, capsys) -> None:
    _, kubeconfig = cluster("good-host-gw")
    code, data = host_gw(capsys, kubeconfig, "--k3s-version", "v1.34.3+k3s1")
    assert code == 0, data
    for c in CLUSTER_CODES:
        assert statuses(data, c) == {"PASS"}, (c, data)
    assert data["summary"]["FAIL"] == 0


@pytest.mark.parametrize(
    ("fixture", "code", "subject"),
    [
        ("broken-internal-ip", "DOC101", "node k3s-agent InternalIP"),
        ("broken-notready", "DOC100", "node k3s-agent"),
        ("broken-kube-dns", "DOC110", "kube-system/kube-dns"),
        ("broken-helmchart", "DOC120", "helmchart kube-system/traefik"),
        ("broken-podcidr", "DOC102", "node k3s-agent podCIDRs"),
    ],
)
def test_broken_cluster_fails_where_broken(cluster, capsys, fixture: str, code: str, subject: str) -> None:
    _, kubeconfig = cluster(fixture)
    rc, data = host_gw(capsys, kubeconfig)
    assert rc == 1
    failing = {(r["code"], r["subject"]) for r in data["results"] if r["status"] == "FAIL"}
    assert (code, subject) in failing
    assert {c for c, _ in failing} == {code}, failing  # nothing else is blamed
    assert all(r["fix"] for r in data["results"] if r["status"] == "FAIL")


def test_other_backend_and_version_fail(cluster, capsys) -> None:
    _, kubeconfig = cluster("good-host-gw")
    rc, data = host_gw(
        capsys, kubeconfig, "--exec", "--flannel-backend=vxlan", "--k3s-version", "v1.33.6+k3s1"
    )
    assert rc == 1
    assert statuses(data, "DOC103") == {"FAIL"}
    assert statuses(data, "DOC130") == {"WARN"}


def test_calico_pool_and_workloads(cluster, capsys) -> None:
    _, kubeconfig = cluster("good-calico")
    rc, data = doctor_json(capsys, "--preset", "calico", "--kubeconfig", str(kubeconfig))
    assert rc == 0, data
    assert statuses(data, "DOC122") == {"PASS"}
    assert statuses(data, "DOC121") == {"PASS"}
    assert "DOC103" not in {r["code"] for r in data["results"]}  # no flannel: no annotations asked
    _, kubeconfig = cluster("broken-calico")
    rc, data = doctor_json(capsys, "--preset", "calico", "--kubeconfig", str(kubeconfig))
    assert rc == 1
    assert statuses(data, "DOC122") == {"FAIL"}
    assert "FAIL" in statuses(data, "DOC121")


def test_text_output_lines_and_fix(cluster, capsys) -> None:
    _, kubeconfig = cluster("broken-kube-dns")
    assert main(["doctor", "--preset", "flannel-host-gw", "--kubeconfig", str(kubeconfig)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  DOC110  kube-system/kube-dns: 10.43.0.53 (plan: 10.43.0.10)" in out
    assert "      fix: set cluster-dns" in out
    assert out.rstrip().splitlines()[-1].startswith("the network is not as planned: ")


def test_unreachable_cluster_is_exit_2(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    conf = tmp_path / "kubeconfig"
    conf.write_text(
        '{"apiVersion": "v1", "kind": "Config", "current-context": "x", "clusters": [{"name": "x", '
        '"cluster": {"server": "http://127.0.0.1:9"}}], "contexts": [{"name": "x", "context": '
        '{"cluster": "x", "user": "x"}}], "users": [{"name": "x", "user": {}}]}'
    )
    if not __import__("shutil").which("kubectl"):
        pytest.skip("kubectl is not installed")
    assert main(["doctor", "--preset", "flannel-host-gw", "--kubeconfig", str(conf)]) == 2
    err = capsys.readouterr().err
    assert "cluster not reachable" in err and "fix:" in err


def test_wait_polls_until_green(cluster, capsys) -> None:
    """--wait repeats until nothing fails: the stub's node turns Ready between two polls."""
    from k3stui.doctor.kubectl import Kubectl
    from k3stui.doctor.session import Request, run_until_green
    from k3stui.presets import load_preset_text, shipped_path

    api, kubeconfig = cluster("broken-notready")
    plan = load_preset_text(shipped_path("flannel-host-gw").read_text(), "flannel-host-gw").plan
    req = Request(plan=plan, kubectl=Kubectl(kubeconfig=str(kubeconfig)))

    def fix_node(_: float) -> None:  # what the cluster does while doctor waits
        node = next(o for o in api.objects if o["metadata"]["name"] == "k3s-agent")
        node["status"]["conditions"][3]["status"] = "True"

    polls = []
    report = run_until_green(req, 60, sleep=lambda s: (polls.append(s), fix_node(s)))
    assert len(polls) == 1
    assert {r.status for r in report.results if r.code == "DOC100"} == {"PASS"}
    # and without a fix it gives up at the deadline, with the failure
    _, kubeconfig2 = cluster("broken-notready")
    clock = iter([0.0, 0.0, 5.0, 11.0, 11.0])
    report = run_until_green(
        Request(plan=plan, kubectl=Kubectl(kubeconfig=str(kubeconfig2))),
        10,
        sleep=lambda s: None,
        clock=lambda: next(clock),
    )
    assert "FAIL" in {r.status for r in report.results if r.code == "DOC100"}


def test_readme_shows_real_output(cluster, capsys) -> None:
    """The README's walk-through quotes this run verbatim."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    _, kubeconfig = cluster("good-host-gw")
    main(
        [
            "doctor",
            "--preset",
            "flannel-host-gw",
            "--kubeconfig",
            str(kubeconfig),
            "--k3s-version",
            "v1.34.3+k3s1",
        ]
    )
    for line in capsys.readouterr().out.splitlines():
        assert line in readme, line


def test_node_layer_reads_peer_pod_cidrs_from_the_api(cluster, capsys, monkeypatch) -> None:
    """--node with a kubeconfig: the peers' real podCIDRs (the stub's) replace the plan's guess."""
    from k3stui.doctor import session

    seen = []
    monkeypatch.setattr(session, "local_node", lambda req, plan, cl, notes: seen.append(cl) or None)
    _, kubeconfig = cluster("broken-podcidr")
    main(["doctor", "--preset", "flannel-host-gw", "--node", "--kubeconfig", str(kubeconfig)])
    (cl,) = seen
    assert cl is not None and {n["spec"]["podCIDRs"][0] for n in cl.nodes} == {
        "10.42.0.0/24",
        "10.244.1.0/24",
    }
    out = capsys.readouterr().out
    assert "DOC100" not in out  # --node alone judges no cluster object
