"""The doctor screen shows exactly what the CLI reports: the same session, the same results."""

from __future__ import annotations

from pathlib import Path

from stubapi import load_fixture
from textual.app import App
from textual.widgets import DataTable, Static

from k3stui.doctor.checks import run
from k3stui.doctor.observations import ClusterObservation, DoctorContext
from k3stui.doctor.report import summary
from k3stui.doctor.session import Report, Request
from k3stui.presets import load_preset_text, shipped_path
from k3stui.tui.screens.doctor import DoctorScreen

PLAN = load_preset_text(shipped_path("flannel-host-gw").read_text(), "flannel-host-gw").plan


def recorded(name: str) -> ClusterObservation:
    objs = load_fixture(name)["objects"]

    def kind(k: str) -> tuple:
        return tuple(o for o in objs if o["kind"] == k)

    dns = next(o for o in objs if o["kind"] == "Service" and o["metadata"]["name"] == "kube-dns")
    return ClusterObservation(
        nodes=kind("Node"),
        kube_dns=dns,
        helmcharts=kind("HelmChart"),
        jobs=kind("Job"),
        daemonsets=kind("DaemonSet"),
        deployments=kind("Deployment"),
        server_version="v1.34.3+k3s1",
    )


class Host(App[None]):
    def __init__(self, screen: DoctorScreen) -> None:
        super().__init__()
        self.doctor = screen

    def on_mount(self) -> None:
        self.push_screen(self.doctor)


async def test_screen_lists_the_results_and_the_fix(tmp_path: Path) -> None:
    asked: list[Request] = []

    def runner(req: Request) -> Report:
        asked.append(req)
        return Report(run(DoctorContext(req.plan, cluster=recorded("broken-kube-dns"))), [])

    screen = DoctorScreen(PLAN, tmp_path, run=runner)
    app = Host(screen)
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = screen.query_one(DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert ["FAIL", "DOC110", "kube-system/kube-dns", "10.43.0.53", "10.43.0.10"] in [
            list(r) for r in rows
        ]
        assert str(screen.query_one("#doctor-summary", Static).content) == summary(screen.results)
        fail_row = next(i for i, r in enumerate(screen.results) if r.status == "FAIL")
        table.move_cursor(row=fail_row)
        await pilot.pause()
        assert "set cluster-dns" in str(screen.query_one("#doctor-fix", Static).content)
        assert asked[0].cluster and not asked[0].node
        await pilot.press("n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert asked[1].node and not asked[1].cluster


async def test_a_crashing_run_is_shown(tmp_path: Path) -> None:
    def runner(req: Request) -> Report:
        raise RuntimeError("kubectl vanished")

    screen = DoctorScreen(PLAN, tmp_path, run=runner)
    async with Host(screen).run_test() as pilot:
        await screen.app.workers.wait_for_complete()
        await pilot.pause()
        assert "kubectl vanished" in str(screen.query_one("#doctor-summary", Static).content)


async def test_f6_opens_the_doctor_from_the_start_screen(tmp_path: Path, monkeypatch) -> None:
    from k3stui.tui.app import K3sTuiApp

    monkeypatch.setattr("k3stui.doctor.session.run_once", lambda req: Report([], ["no cluster here"]))
    (tmp_path / "root").mkdir()
    app = K3sTuiApp(root=tmp_path / "root", out_dir=tmp_path / "out")
    async with app.run_test() as pilot:
        await pilot.press("f6")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DoctorScreen)
        assert "no cluster here" in str(app.screen.query_one("#doctor-summary", Static).content)
