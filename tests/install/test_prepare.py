"""The one way through the installer: `api.prepare` renders once, reads each host file once, merges
the existing configuration once per set-up, and pins, places and warns what issue 11 asks for.
Sandboxed: the host is a folder under tmp_path; nothing runs."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from installkit import agent_plan, place_agent_token, prepare, presets, reader

from k3stui.install import api, existing
from k3stui.install.actions import describe
from k3stui.install.airgap import Bundle
from k3stui.install.hostinfo import HostReader, Route
from k3stui.plan import Plan, with_value
from k3stui.versions import NEWEST_KNOWN

PRESETS = dict(presets())
DROPIN = "etc/rancher/k3s/config.yaml.d"


def _existing_server(root: Path) -> None:
    (root / "var/lib/rancher/k3s/server/db").mkdir(parents=True)
    (root / DROPIN).mkdir(parents=True)
    (root / "etc/rancher/k3s/config.yaml").write_text("cluster-cidr: 10.42.0.0/16\ntls-san: [a.example]\n")
    (root / DROPIN / "10-site.yaml").write_text("node-label: [site=a]\n")
    (root / DROPIN / "50-k3stui-network.yaml").write_text("flannel-backend: vxlan\n")
    unit = root / "etc/systemd/system/k3s.service"
    unit.parent.mkdir(parents=True)
    unit.write_text("[Service]\nExecStart=/usr/local/bin/k3s server --kubelet-arg=max-pods=200\n")


def test_a_dry_run_renders_once_and_reads_each_host_file_once(sandbox, monkeypatch):
    import k3stui.chart
    import k3stui.render.files

    _existing_server(sandbox)
    calls: Counter[str] = Counter()
    reads: Counter[str] = Counter()

    def counting(name, fn):
        def wrapper(*a, **kw):
            calls[name] += 1
            return fn(*a, **kw)

        return wrapper

    files, chart = k3stui.render.files, k3stui.chart
    monkeypatch.setattr(files, "render_all", counting("render", files.render_all))
    monkeypatch.setattr(chart, "chart_export_files", counting("chart", chart.chart_export_files))
    monkeypatch.setattr(existing, "build_plan", counting("merge", existing.build_plan))
    for method in ("read_bytes", "read_text"):
        original = getattr(Path, method)

        def record(self, *a, _original=original, **kw):
            if str(self).startswith(str(sandbox)):
                reads[str(self.relative_to(sandbox))] += 1
            return _original(self, *a, **kw)

        monkeypatch.setattr(Path, method, record)
    import k3stui.fsio

    real_read_input = k3stui.fsio.read_input

    def read_input(path, *a, **kw):  # the one reader of input files (config.yaml and its drop-ins)
        if str(path).startswith(str(sandbox)):
            reads[str(Path(path).relative_to(sandbox))] += 1
        return real_read_input(path, *a, **kw)

    monkeypatch.setattr(k3stui.fsio, "read_input", read_input)

    actions = prepare(PRESETS["calico"], "server", sandbox, "/nonexistent/install.sh")
    describe(actions)
    assert calls == {"render": 1, "chart": 1, "merge": 2}  # merged once today, once after the install
    assert reads["etc/rancher/k3s/config.yaml"] == 1
    assert reads[f"{DROPIN}/50-k3stui-network.yaml"] == 1  # a config file and a file the install replaces
    assert max(reads.values()) == 1, reads


def test_the_request_form_and_the_keywords_are_one_prepare(sandbox):
    plan = PRESETS["flannel-vxlan"]
    request = api.PrepareRequest(plan, "server", root=str(sandbox), reader=reader(sandbox), stamp="t",
                                 install_script="/nonexistent/install.sh")
    by_request = api.prepare(request)
    by_keywords = api.prepare(plan, "server", root=str(sandbox), reader=reader(sandbox), stamp="t",
                              install_script="/nonexistent/install.sh")
    assert describe(by_request) == describe(by_keywords)


def test_the_install_is_pinned_to_the_judged_version_and_says_so(sandbox):
    actions = prepare(Plan(), "server", sandbox, "/nonexistent/install.sh")
    install = next(c for c in actions.commands if c.kind == "install")
    assert install.env["INSTALL_K3S_VERSION"] == NEWEST_KNOWN
    text = describe(actions)
    assert f"INSTALL_K3S_VERSION={NEWEST_KNOWN}: the install is pinned" in text
    older = prepare(Plan(), "server", sandbox, "/nonexistent/install.sh", k3s_version="v1.30.6+k3s1")
    assert next(c for c in older.commands if c.kind == "install").env["INSTALL_K3S_VERSION"] == "v1.30.6+k3s1"


def test_root_mode_skips_the_selinux_rpm_and_forces_the_links(sandbox):
    install = next(c for c in prepare(Plan(), "server", sandbox, None).commands if c.kind == "install")
    assert install.env["INSTALL_K3S_SKIP_SELINUX_RPM"] == "true"
    assert install.env["INSTALL_K3S_SYMLINK"] == "force"


@pytest.mark.parametrize(
    ("present", "code"),
    [("sbin/openrc-run", "INST031"), ("etc/systemd/system/k3s.service", "INST032")],
)
def test_root_mode_refuses_a_host_whose_etc_install_sh_would_touch(sandbox, present, code):
    running = sandbox.parent / "running-host"
    (running / present).parent.mkdir(parents=True)
    (running / present).write_text("x")
    actions = prepare(Plan(), "server", sandbox, None)
    assert actions.refused and code in {f.code for f in actions.findings}
    (running / present).unlink()
    assert code not in {f.code for f in prepare(Plan(), "server", sandbox, None).findings}


def test_a_custom_data_dir_moves_every_node_path(sandbox):
    plan = replace(Plan(), extra={"data-dir": "/srv/k3s"})
    (sandbox / "srv/k3s/server/db").mkdir(parents=True)  # an existing server under the plan's data-dir
    images = sandbox.parent / "bundle/artifacts/k3s-airgap-images-amd64.tar.zst"
    images.parent.mkdir(parents=True)
    images.write_bytes(b"zst")
    bundle = Bundle(str(sandbox.parent / "bundle"), images=(str(images),))
    actions = prepare(plan, "server", sandbox, None, bundle)
    dests = {f.dest for f in actions.files}
    assert "/srv/k3s/agent/images/k3s-airgap-images-amd64.tar.zst" in dests
    assert not any(d.startswith("/var/lib/rancher") for d in dests if "images" in d)
    assert "INST010" in {f.code for f in actions.findings}  # found through <data-dir>/server/db


def test_the_uplink_gets_its_own_accept_ra_line_from_the_ipv6_default_route(sandbox):
    plan = replace(Plan(), accept_ra=2)
    routes = (Route("default", "enp3s0", "ra", "fe80::1", 6),)

    class WithRoutes(HostReader):  # the sandbox, plus the routes `ip -j route` would give
        def read(self, **kw):
            return replace(super().read(**kw), routes=routes)

    host_reader = WithRoutes(sandbox, run=reader(sandbox).run, use_ip=False, is_root=True,
                             host_root=sandbox.parent / "running-host")
    actions = api.prepare(plan, "server", root=str(sandbox), reader=host_reader, stamp="t",
                          install_script="/nonexistent/install.sh")
    sysctl = next(f for f in actions.files if f.dest.startswith("/etc/sysctl.d/"))
    assert b"net.ipv6.conf.enp3s0.accept_ra = 2" in sysctl.content
    assert any("enp3s0" in n for n in actions.notes)
    assert "INST071" not in {f.code for f in actions.findings}


def test_no_uplink_known_is_warned(sandbox):
    actions = prepare(replace(Plan(), accept_ra=2), "server", sandbox, None)  # --root: routes unknown
    f = next(f for f in actions.findings if f.code == "INST071")
    assert f.severity.value == "warning" and "flannel-iface" in f.hint
    named_plan = with_value(replace(Plan(), accept_ra=2), "flannel.iface", "eth1")
    named = prepare(named_plan, "server", sandbox, None)
    assert "INST071" not in {f.code for f in named.findings}


def test_today_after_lists_every_key_the_install_changes(sandbox):
    _existing_server(sandbox)
    actions = prepare(PRESETS["flannel-vxlan"], "server", sandbox, "/nonexistent/install.sh")
    rows = {r[0]: r for r in actions.existing}
    # The unit's --kubelet-arg is dropped by the rewrite: not a network key, still shown.
    assert rows["kubelet-arg"][1:] == ("max-pods=200", "the ExecStart of /etc/systemd/system/k3s.service",
                                       "(none)", "K3s default")
    assert "tls-san" not in rows and "node-label" not in rows  # unchanged: the user's files keep them
    assert "cluster-cidr" in rows  # critical values are always listed on a server
    text = describe(actions)
    assert "kubelet-arg: max-pods=200" in text and "CHANGES" in text


def test_an_agent_install_renders_no_chart(sandbox, monkeypatch):
    import k3stui.chart

    def no_chart(*a, **kw):  # pragma: no cover - reaching it fails the test
        raise AssertionError("an agent's install packaged the chart")

    monkeypatch.setattr(k3stui.chart, "chart_export_files", no_chart)
    place_agent_token(sandbox)
    actions = prepare(agent_plan(PRESETS["cilium"]), "agent", sandbox, None)
    assert not actions.refused, [f.message for f in actions.findings if f.severity.value == "error"]


# --- the doctor's preflight network checks see what the installer read (issue 13 item 5) ----------

def test_an_install_sees_resolv_conf_and_the_proxy_variables(sandbox, monkeypatch):
    """resolv.conf under the root and the proxies k3stui runs with reach the registered PRE checks:
    an IPv6-only plan with only IPv4 nameservers is refused (PRE003), a proxy without NO_PROXY for
    the cluster's ranges is warned (PRE005)."""
    (sandbox / "etc").mkdir(exist_ok=True)
    (sandbox / "etc/resolv.conf").write_text("nameserver 192.0.2.53\n")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    actions = prepare(PRESETS["ipv6-only"], "server", sandbox, "/nonexistent/install.sh")
    codes = {f.code: f.severity.value for f in actions.findings}
    assert codes.get("PRE003") == "error" and codes.get("PRE005") == "warning", codes
    (sandbox / "etc/resolv.conf").write_text("nameserver 2001:db8::53\n")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost,fd00:42::/56,fd00:43::/112,.svc,.cluster.local")
    actions = prepare(PRESETS["ipv6-only"], "server", sandbox, "/nonexistent/install.sh")
    assert "PRE003" not in {f.code for f in actions.findings}
