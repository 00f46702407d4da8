"""An existing K3s: today vs after the install, merged as K3s merges config.yaml, the drop-ins
(ours at its alphabetical place) and ExecStart (rewritten by the install script). Sandboxed: the
host is a folder under tmp_path; nothing runs."""

from __future__ import annotations

from pathlib import Path

from installkit import prepare, reader

from k3stui.install import existing
from k3stui.install.actions import describe
from k3stui.plan import Plan, with_value

K3S = "etc/rancher/k3s"
DROPINS = f"{K3S}/config.yaml.d"
UNIT = "etc/systemd/system/k3s.service"
DROPIN = "/etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml"


def server_host(root: Path, *, config: str | None = None, dropins: dict[str, str] | None = None,
                exec_line: str = "server") -> None:
    """A K3s server that has run: datastore, unit, and the given config files."""
    (root / "var/lib/rancher/k3s/server/db").mkdir(parents=True)
    (root / UNIT).parent.mkdir(parents=True, exist_ok=True)
    (root / UNIT).write_text(f"[Service]\nExecStart=/usr/local/bin/k3s \\\n    {exec_line} \\\n\n")
    (root / DROPINS).mkdir(parents=True, exist_ok=True)
    if config is not None:
        (root / K3S / "config.yaml").write_text(config)
    for name, text in (dropins or {}).items():
        (root / DROPINS / name).write_text(text)


def actions_for(root: Path, plan: Plan, role: str = "server"):
    return prepare(plan, role, root, "/nonexistent/install.sh")


def by_code(actions, code: str) -> dict[str, object]:
    return {f.key: f for f in actions.findings if f.code == code}


def test_a_critical_value_the_plan_does_not_describe_is_an_error_not_a_change(sandbox):
    """K3s would keep the user's 10.52.0.0/16 (no change, so no INST013), but the plan means
    10.42.0.0/16: charts and net-conf.json derived from it would not match what runs."""
    server_host(sandbox, config="cluster-cidr: 10.52.0.0/16\n")
    actions = actions_for(sandbox, Plan())
    assert not by_code(actions, "INST013")
    kept = by_code(actions, "INST016")["cluster-cidr"]
    assert actions.refused and kept.severity.value == "error" and "10.52.0.0/16" in kept.message
    assert "/etc/rancher/k3s/config.yaml" in kept.message and "preset import" in kept.hint
    row = next(r for r in actions.existing if r[0] == "cluster-cidr")
    assert row == ("cluster-cidr", "10.52.0.0/16", "/etc/rancher/k3s/config.yaml",
                   "10.52.0.0/16", "/etc/rancher/k3s/config.yaml")


def test_a_real_cidr_change_is_refused_with_old_new_and_source(sandbox):
    server_host(sandbox, config="cluster-cidr: 10.52.0.0/16\n")
    actions = actions_for(sandbox, Plan(cluster_cidr=("10.60.0.0/16",)))
    f = by_code(actions, "INST013")["cluster-cidr"]
    assert actions.refused and f.severity.value == "error"
    assert "it is 10.52.0.0/16 here (from /etc/rancher/k3s/config.yaml)" in f.message
    assert f"it would be 10.60.0.0/16 (from {DROPIN})" in f.message
    assert "keep cluster-cidr: 10.52.0.0/16 in the plan" in f.hint
    # ...and the user's config.yaml value is overridden by our drop-in, which is said too.
    w = by_code(actions, "INST014")["cluster-cidr"]
    assert w.severity.value == "warning" and "is read after it and wins" in w.message


def test_the_same_value_in_the_plan_and_in_config_yaml_is_quiet(sandbox):
    server_host(sandbox, config="cluster-cidr: 10.52.0.0/16\n")
    actions = actions_for(sandbox, Plan(cluster_cidr=("10.52.0.0/16",)))
    assert not {"INST013", "INST014", "INST015", "INST016"} & {f.code for f in actions.findings}


def test_a_later_user_dropin_overriding_ours_is_an_error(sandbox):
    server_host(sandbox, dropins={"90-site.yaml": "cluster-cidr: 10.70.0.0/16\n"})
    actions = actions_for(sandbox, Plan(cluster_cidr=("10.80.0.0/16",)))
    f = by_code(actions, "INST015")["cluster-cidr"]
    assert actions.refused and f.severity.value == "error"
    assert "/etc/rancher/k3s/config.yaml.d/90-site.yaml" in f.message
    assert "K3s would run with 10.70.0.0/16" in f.message and "10.80.0.0/16" in f.message
    # It is also no change today -> after: the later drop-in keeps winning.
    assert "cluster-cidr" not in by_code(actions, "INST013")


def test_an_earlier_user_dropin_is_overridden_by_ours_with_a_warning(sandbox):
    server_host(sandbox, dropins={"10-site.yaml": "flannel-backend: host-gw\n"})
    actions = actions_for(sandbox, with_value(Plan(), "flannel.backend", "wireguard-native"))
    w = by_code(actions, "INST014")["flannel-backend"]
    assert "10-site.yaml sets flannel-backend: host-gw" in w.message and "wireguard-native" in w.message
    assert "flannel-backend" in by_code(actions, "INST013")  # host-gw -> wireguard-native


def test_key_plus_in_a_user_dropin_is_appended(sandbox):
    # today: 10.42.0.0/16 + fd00:42::/56 (dual-stack through an append); the plan says the same
    # dual-stack value; a later `cluster-cidr+:` appends to ours, so the plan would not hold.
    dual = "cluster-cidr:\n  - 10.42.0.0/16\n"
    server_host(sandbox, config=dual, dropins={"20-v6.yaml": "cluster-cidr+:\n  - fd00:42::/56\n"})
    plan = Plan(cluster_cidr=("10.42.0.0/16", "fd00:42::/56"), service_cidr=("10.43.0.0/16", "fd00:43::/112"))
    ex = reader(sandbox).read().existing
    now = existing.now(ex.config_files, ex.unit, ex.unit_args).plan
    assert now.cluster_cidr == ("10.42.0.0/16", "fd00:42::/56")
    actions = actions_for(sandbox, plan)
    assert "cluster-cidr" not in by_code(actions, "INST013")  # 20-v6 is read before ours: ours wins
    assert "service-cidr" in by_code(actions, "INST013")  # a real change: single -> dual stack
    row = next(r for r in actions.existing if r[0] == "cluster-cidr")
    assert row[2] == "/etc/rancher/k3s/config.yaml + /etc/rancher/k3s/config.yaml.d/20-v6.yaml"

    (sandbox / DROPINS / "20-v6.yaml").rename(sandbox / DROPINS / "90-v6.yaml")
    actions = actions_for(sandbox, plan)
    f = by_code(actions, "INST015")["cluster-cidr"]
    assert "10.42.0.0/16,fd00:42::/56,fd00:42::/56" in f.message  # appended to ours


def test_a_cluster_cidr_in_the_old_execstart_goes_with_the_rewritten_unit(sandbox):
    # The install script rewrites ExecStart to `k3s server`: the flag disappears, so K3s would
    # fall back to the files (here: the default) -> a real change, refused, blamed on the unit.
    server_host(sandbox, exec_line="server '--cluster-cidr=10.52.0.0/16' --flannel-iface=eth1")
    actions = actions_for(sandbox, Plan())
    f = by_code(actions, "INST013")["cluster-cidr"]
    assert "it is 10.52.0.0/16 here (from the ExecStart of /etc/systemd/system/k3s.service)" in f.message
    assert "it would be 10.42.0.0/16 (from K3s default)" in f.message
    assert "put cluster-cidr: 10.52.0.0/16 into the plan" in f.hint
    dropped = by_code(actions, "INST017")
    assert "flannel-iface" in dropped and "cluster-cidr" not in dropped  # INST013 covers that one
    assert "rewrites it to 'k3s server'" in dropped["flannel-iface"].message

    # The plan keeps the value: our drop-in carries it after the rewrite -> no change.
    actions = actions_for(sandbox, Plan(cluster_cidr=("10.52.0.0/16",)))
    assert "cluster-cidr" not in by_code(actions, "INST013")
    row = next(r for r in actions.existing if r[0] == "cluster-cidr")
    assert row[1] == row[3] == "10.52.0.0/16" and "ExecStart" in row[2] and "50-k3stui" in row[4]


def test_a_unit_the_script_does_not_rewrite_keeps_its_flags_and_beats_ours(sandbox):
    server_host(sandbox)
    (sandbox / UNIT).unlink()
    other = sandbox / "etc/systemd/system/k3s-custom.service"
    other.write_text("[Service]\nExecStart=/usr/local/bin/k3s server --cluster-domain=unit.local\n")
    actions = actions_for(sandbox, Plan(cluster_domain="plan.local"))
    f = by_code(actions, "INST015")["cluster-domain"]
    assert "k3s-custom.service overrides every file" in f.message  # a plain flag replaces


def test_our_old_dropin_is_replaced_not_merged_twice(sandbox):
    old = "cluster-domain: old.local\n"
    server_host(sandbox, dropins={"50-k3stui-network.yaml": old})
    actions = actions_for(sandbox, Plan(cluster_domain="old.local"))
    assert not by_code(actions, "INST013") and not by_code(actions, "INST014")
    actions = actions_for(sandbox, Plan())  # the new drop-in drops the key: back to the default
    f = by_code(actions, "INST013")["cluster-domain"]
    assert "old.local here (from /etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml)" in f.message


def test_the_dry_run_shows_today_and_after(sandbox):
    server_host(sandbox, config="cluster-cidr: 10.52.0.0/16\n", exec_line="server --cluster-domain=corp")
    text = describe(actions_for(sandbox, Plan()))
    pre = text.split("\nFiles\n")[0]
    assert "Existing K3s: critical values and every value this install changes, today -> after" in pre
    assert "cluster-cidr: 10.52.0.0/16  [/etc/rancher/k3s/config.yaml]  unchanged" in pre
    unit = "the ExecStart of /etc/systemd/system/k3s.service"
    assert f"cluster-domain: corp  [{unit}]  ->  cluster.local  [K3s default]  CHANGES" in pre
    assert "INST013" in pre and "INST016" in pre


def test_after_puts_our_dropin_at_its_place_and_replaces_an_old_copy():
    from k3stui.install import existing

    d = "/etc/rancher/k3s/config.yaml.d"
    files = [("/etc/rancher/k3s/config.yaml", "a: 1\n"), (f"{d}/10-a.yml", ""),
             (f"{d}/50-k3stui-network.yaml", "old: 1\n"), (f"{d}/60-b.yaml", "")]
    setup = existing.after(files, "/etc/systemd/system/k3s.service", ["server", "--x=1"],
                           role="server", ours="new: 1\n", install_exec="server")
    assert [s for s, _ in setup.files] == [files[0][0], f"{d}/10-a.yml", DROPIN, f"{d}/60-b.yaml"]
    assert dict(setup.files)[DROPIN] == "new: 1\n"
    assert setup.exec_flags == "server" and existing.later_dropins(setup) == [f"{d}/60-b.yaml"]


def test_an_agent_is_not_compared_for_critical_values_but_loses_its_unit_flags(sandbox):
    from installkit import agent_plan, place_agent_token

    unit = sandbox / "etc/systemd/system/k3s-agent.service"
    unit.parent.mkdir(parents=True)
    unit.write_text("[Service]\nExecStart=/usr/local/bin/k3s agent --node-ip=192.168.1.10\n")
    (sandbox / "var/lib/rancher/k3s/agent").mkdir(parents=True)
    place_agent_token(sandbox)
    actions = actions_for(sandbox, agent_plan(Plan()), role="agent")
    assert not by_code(actions, "INST013")
    # No critical value is listed for an agent; every value the install changes is.
    rows = {r[0]: r for r in actions.existing}
    assert set(rows) == {"node-ip", "server", "token-file"}
    assert rows["node-ip"][1:3] == ("192.168.1.10", "the ExecStart of /etc/systemd/system/k3s-agent.service")
    assert rows["node-ip"][3:] == ("(none)", "K3s default")
    f = by_code(actions, "INST017")["node-ip"]
    assert "k3s-agent.service" in f.message and "'k3s agent'" in f.message
