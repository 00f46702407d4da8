"""Pilot tests of the main flows, against the real core (rules, implications, presets, render)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Input, OptionList, Select, TabbedContent
from tuikit import notes, press_text, row, type_into

from k3stui import plan as p
from k3stui.tui.screens.plan_editor import PlanEditorScreen
from k3stui.tui.screens.start import StartScreen
from k3stui.tui.state import PlanState
from k3stui.tui.widgets.implications_view import ImplicationsView


async def answer_path_prompt(pilot, app, key: str, path: Path) -> None:
    """Open a path prompt with `key` (ctrl+s save, ctrl+e export), enter `path`, confirm."""
    await pilot.press(key)
    await pilot.pause()
    app.screen.query_one("#path", Input).value = str(path)
    await pilot.press("enter")
    await pilot.pause()


async def choose(pilot, app, path: str, value: str) -> None:
    row(app, path).query_one(Select).value = value
    await pilot.pause()


async def test_start_screen_offers_defaults_and_presets(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        assert isinstance(app.screen, StartScreen)
        ids = [o.id for o in app.screen.query_one(OptionList).options]
        assert ids[0] == "defaults"
        assert "host" not in ids  # no config under the test root
        assert any(i.startswith("preset:") for i in ids)
        await pilot.press("enter")  # K3s defaults
        await pilot.pause()
        assert isinstance(app.screen, PlanEditorScreen)
        assert app.state.plan == p.Plan()


async def test_load_a_shipped_preset(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        options = app.screen.query_one(OptionList)
        index = next(i for i, o in enumerate(options.options) if (o.id or "").startswith("preset:"))
        options.highlighted = index
        name = options.options[index].id.removeprefix("preset:")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PlanEditorScreen)
        assert app.state.source == f"preset {name}"
        assert name in app.screen.sub_title


async def test_host_config_is_offered_and_read_under_root(make_app, tmp_path: Path):
    conf = tmp_path / "root/etc/rancher/k3s"
    (conf / "config.yaml.d").mkdir(parents=True)
    (conf / "config.yaml").write_text("flannel-backend: host-gw\ncluster-cidr: 10.50.0.0/16\n")
    (conf / "config.yaml.d/10-dns.yaml").write_text("cluster-domain: example.internal\n")
    app = make_app()
    async with app.run_test() as pilot:
        options = app.screen.query_one(OptionList)
        ids = [o.id for o in options.options]
        assert "host" in ids
        options.highlighted = ids.index("host")
        await pilot.press("enter")
        await pilot.pause()
        assert app.state.plan.flannel.backend == "host-gw"
        assert app.state.plan.cluster_cidr == ("10.50.0.0/16",)
        assert app.state.plan.cluster_domain == "example.internal"
        assert row(app, "cluster_cidr").query_one(Input).value == "10.50.0.0/16"


async def test_choosing_calico_shows_the_implied_flags(make_app):
    app = make_app(PlanState())
    async with app.run_test(size=(120, 40)) as pilot:
        app.screen.query_one(TabbedContent).active = "network"
        await choose(pilot, app, "cni.kind", "calico")
        assert app.state.plan.cni.kind == "calico"
        assert app.state.applied.flannel.backend == "none"
        assert app.state.applied.disable_network_policy is True
        implied = str(app.screen.query_one(ImplicationsView).render())
        assert "flannel-backend" in implied and "none" in implied
        assert "implied" in notes(app, "disable_network_policy")
        checkbox = row(app, "disable_network_policy").input
        assert checkbox.value is True and checkbox.disabled  # forced by Calico: shown, not editable
        assert app.screen.query_one("#sec-calico").display
        assert not app.screen.query_one("#sec-flannel").display
        await choose(pilot, app, "cni.kind", "flannel")
        assert checkbox.value is False and not checkbox.disabled


async def test_bad_cidr_shows_at_the_field_and_blocks_export(make_app):
    app = make_app(PlanState())
    async with app.run_test() as pilot:
        app.screen.query_one(TabbedContent).active = "addresses"
        await pilot.pause()
        export = app.screen.query_one("#export", Button)
        assert not export.disabled
        await type_into(pilot, app, "cluster_cidr", "10.42.0.0/33")
        assert app.state.plan.cluster_cidr == ("10.42.0.0/33",)
        assert row(app, "cluster_cidr").has_class("-error")
        assert "10.42.0.0/33" in notes(app, "cluster_cidr")
        assert export.disabled
        assert app.screen.check_action("export", ()) is None
        # fix it: one more edit revalidates and re-enables Export
        await pilot.press("backspace", "backspace", "1", "6")
        await pilot.pause()
        assert app.state.plan.cluster_cidr == ("10.42.0.0/16",)
        assert not row(app, "cluster_cidr").has_class("-error")
        assert not export.disabled


async def test_a_letter_in_a_number_field_is_an_error(make_app):
    app = make_app(PlanState())
    async with app.run_test(size=(120, 40)) as pilot:
        app.screen.query_one(TabbedContent).active = "network"
        await type_into(pilot, app, "flannel.mtu", "14x")
        assert app.state.has_errors
        assert "not a whole number" in notes(app, "flannel.mtu")
        await pilot.press("backspace")
        await pilot.pause()
        assert app.state.plan.flannel.mtu == 14
        assert "input" not in {f.code for f in app.state.findings}


async def test_save_preset_writes_a_preset_that_loads_back(make_app, tmp_path: Path):
    from k3stui.presets import load_preset_text

    state = PlanState()
    state.set_text("flannel.backend", "host-gw")
    app = make_app(state)
    target = tmp_path / "saved" / "lab.yaml"
    async with app.run_test() as pilot:
        await answer_path_prompt(pilot, app, "ctrl+s", target)
        assert target.is_file()
        preset = load_preset_text(target.read_text(), str(target))
        assert preset.name == "lab"
        assert preset.plan.flannel.backend == "host-gw"
        assert str(target) in str(app.screen.query_one("#status").render())


async def test_export_writes_what_render_writes(make_app, tmp_path: Path):
    from k3stui.render.files import render_all

    state = PlanState()
    app = make_app(state)
    folder = tmp_path / "export"
    async with app.run_test() as pilot:
        await answer_path_prompt(pilot, app, "ctrl+e", folder)
        expected = render_all(state.applied, k3s_version=None)
        assert expected
        for f in expected:
            assert (folder / f.path).read_bytes() == f.content
        assert str(folder) in str(app.screen.query_one("#status").render())


async def test_export_of_a_shipped_preset_equals_render_preset(make_app, tmp_path: Path):
    """Byte for byte what `k3stui render --preset calico` writes, plan.yaml's name included."""
    from k3stui import cli

    app = make_app()
    async with app.run_test() as pilot:
        options = app.screen.query_one(OptionList)
        options.highlighted = next(i for i, o in enumerate(options.options) if o.id == "preset:calico")
        await pilot.press("enter")
        await pilot.pause()
        await answer_path_prompt(pilot, app, "ctrl+e", tmp_path / "tui")
    assert cli.main(["render", "--preset", "calico", "--out", str(tmp_path / "cli")]) == 0
    exported = {f.relative_to(tmp_path / "tui"): f.read_bytes() for f in (tmp_path / "tui").rglob("*")
                if f.is_file()}
    rendered = {f.relative_to(tmp_path / "cli"): f.read_bytes() for f in (tmp_path / "cli").rglob("*")
                if f.is_file()}
    assert exported == rendered
    assert b"name: calico" in exported[Path("plan.yaml")]


async def test_export_refuses_a_non_empty_folder_without_replace(make_app, tmp_path: Path):
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    app = make_app(PlanState())
    async with app.run_test() as pilot:
        await answer_path_prompt(pilot, app, "ctrl+e", folder)
        assert sorted(x.name for x in folder.iterdir()) == ["keep.txt"]


async def test_preview_shows_rendered_files_and_explanation(make_app):
    state = PlanState()
    state.set_text("flannel.backend", "host-gw")
    app = make_app(state)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+n", "ctrl+n", "ctrl+n", "ctrl+n", "ctrl+n")
        await pilot.pause()
        assert app.screen.query_one(TabbedContent).active == "preview"
        listing = app.screen.query_one("#preview-list", OptionList)
        titles = [o.id for o in listing.options]
        assert titles[0].startswith("Ports, MTU")
        assert len(titles) > 2
        text = str(app.screen.query_one("#preview-text").render())
        assert "Ports to open" in text


async def test_command_palette_switches_tabs(make_app):
    app = make_app(PlanState())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await press_text(pilot, "tab findings")
        await pilot.pause(0.5)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PlanEditorScreen)
        assert app.screen.query_one(TabbedContent).active == "findings"


async def test_help_panel_follows_focus_and_toggles(make_app):
    app = make_app(PlanState())
    async with app.run_test() as pilot:
        app.screen.query_one(TabbedContent).active = "addresses"
        await pilot.pause()
        row(app, "service_cidr").query_one(Input).focus()
        await pilot.pause()
        help_panel = app.screen.query_one("#help")
        assert "service-cidr" in str(help_panel.render())
        await pilot.press("f1")
        assert not help_panel.display


async def test_install_shows_the_dry_run_and_reports_the_rollback(make_app, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("K3STUI_NO_DOWNLOAD", "1")  # the script download fails: everything is undone
    app = make_app(PlanState())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f9")
        for _ in range(50):
            await pilot.pause(0.1)
            if app.screen.actions is not None:
                break
        dry_run = str(app.screen.query_one("#dry-run").render())
        assert "50-k3stui-network.yaml" in dry_run and "install script" in dry_run
        assert not (tmp_path / "root/etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml").exists()
        await pilot.press("ctrl+o")  # no new plan under the install screen
        await pilot.pause()
        assert not isinstance(app.screen, StartScreen)
        await pilot.press("ctrl+r")
        for _ in range(100):
            await pilot.pause(0.1)
            if not app.screen.running:
                break
        result = app.screen.query_one("#install-result")
        assert result.has_class("-failed")
        assert "rolled back" in str(result.render())
        assert any(line.startswith("writing ") for line in app.screen.query_one("#install-log").lines)
        assert not (tmp_path / "root/etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml").exists()
        await pilot.press("escape")
        assert isinstance(app.screen, PlanEditorScreen)


async def test_fast_tab_presses_are_not_lost(make_app):
    """Presses that arrive before a tab switch has settled (key repeat, a fast typist) each count."""
    app = make_app(state=PlanState(p.Plan(), source="test"))
    async with app.run_test() as pilot:
        await pilot.pause()
        tabs = app.screen.query_one(TabbedContent)
        assert tabs.active == "cluster"
        for _ in range(4):  # all within one frame, before any TabActivated message is handled
            app.screen.action_next_tab()
        await pilot.pause()
        await pilot.pause()
        assert tabs.active == "findings"
        app.screen.action_previous_tab()
        app.screen.action_previous_tab()
        await pilot.pause()
        await pilot.pause()
        assert tabs.active == "network"


async def test_an_unreadable_host_config_is_said_not_raised(make_app, tmp_path: Path, monkeypatch):
    """A user who may not look into /etc/rancher/k3s/config.yaml.d (tests run as root: simulated)."""
    from k3stui import inputs
    from k3stui.findings import InputError

    (tmp_path / "root/etc/rancher/k3s/config.yaml.d").mkdir(parents=True)

    def refused(directory):
        raise InputError(f"{directory}: permission denied")

    monkeypatch.setattr(inputs, "config_dir_files", refused)
    app = make_app()
    async with app.run_test() as pilot:
        options = app.screen.query_one(OptionList)
        ids = [o.id for o in options.options]
        assert "permission denied" in str(options.options[ids.index("host")].prompt)
        options.highlighted = ids.index("host")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)  # still choosing; the reason was notified
        assert any("permission denied" in str(n.message) for n in app._notifications)


async def test_ctrl_o_goes_back_to_the_start_screen_and_escape_returns(make_app):
    app = make_app(PlanState())
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PlanEditorScreen)


async def test_a_bad_preset_file_path_is_said_not_raised(make_app, tmp_path: Path):
    app = make_app()
    async with app.run_test() as pilot:
        field = app.screen.query_one("#preset-file", Input)
        bad = {"~nosuchuser-k3stui/p.yaml": "home directory", str(tmp_path): "is a directory",
               str(tmp_path / "none.yaml"): "no such preset file"}
        for typed, said in bad.items():
            field.value = typed
            field.focus()
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, StartScreen)
            assert said in str(list(app._notifications)[-1].message)


async def test_loading_a_plan_replaces_the_text_in_the_focused_field(make_app):
    app = make_app(PlanState())
    async with app.run_test(size=(120, 40)) as pilot:
        app.screen.query_one(TabbedContent).active = "addresses"
        await type_into(pilot, app, "cluster_cidr", "10.99.0.0/16")
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press("enter")  # K3s defaults
        await pilot.pause()
        assert app.state.plan.cluster_cidr == ()
        assert row(app, "cluster_cidr").query_one(Input).value == ""  # not the old plan's text
