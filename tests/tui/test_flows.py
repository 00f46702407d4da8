"""Pilot tests of the main flows, against the real core (rules, implications, presets, render)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.geometry import Region
from textual.widgets import Button, Input, OptionList, TabbedContent
from tuikit import notes, opened, palette, put, row, settle, show, type_into, until

from k3stui import plan as p
from k3stui.tui.screens.plan_editor import PlanEditorScreen
from k3stui.tui.screens.start import StartScreen
from k3stui.tui.state import PlanState
from k3stui.tui.widgets.choice import Choice
from k3stui.tui.widgets.implications_view import ImplicationsView


async def answer_path_prompt(pilot, app, key: str, path: Path) -> None:
    """Open a path prompt with `key` (ctrl+s save, ctrl+e export), enter `path`, confirm."""
    await pilot.press(key)
    await pilot.pause()
    app.screen.query_one("#path", Input).value = str(path)
    await pilot.press("enter")
    await pilot.pause()


async def choose(pilot, app, path: str, value: str) -> None:
    row(app, path).input.value = value
    await settle(pilot)


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


async def test_the_start_screen_is_the_first_screen_and_a_second_one_closes_on_a_choice(make_app):
    """The start screen is the app's base screen (no blank screen under it) and stays under the
    editor; one opened again with ctrl+o leaves on a choice."""
    app = make_app()
    async with app.run_test() as pilot:
        first = app.screen
        assert isinstance(first, StartScreen) and app.screen_stack == [first]
        await pilot.press("enter")  # K3s defaults
        await settle(pilot)
        assert [type(s) for s in app.screen_stack] == [StartScreen, PlanEditorScreen]
        editor = app.screen
        app.state.set_text("cluster_domain", "example.test")
        assert app.state.edited
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, StartScreen) and app.screen is not first)
        await pilot.press("enter")  # K3s defaults, loaded into the same editor
        await settle(pilot)
        assert app.screen_stack == [first, editor]
        assert app.state.plan == p.Plan() and not app.state.edited


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
        await show(pilot, app, "addresses")
        assert row(app, "cluster_cidr").query_one(Input).value == "10.50.0.0/16"


async def test_choosing_calico_shows_the_implied_flags(make_app):
    app = make_app(PlanState(), tab="network")
    async with app.run_test() as pilot:
        await opened(pilot, app)
        await choose(pilot, app, "cni.kind", "calico")
        assert app.state.plan.cni.kind == "calico"
        assert app.state.applied.flannel.backend == "none"
        assert app.state.applied.disable_network_policy is True
        view = app.screen.query_one(ImplicationsView)
        implied = "".join(strip.text for strip in view.render_lines(Region(0, 0, *view.size)))
        assert "flannel-backend" in implied and "none" in implied
        assert "implied" in notes(app, "disable_network_policy")
        checkbox = row(app, "disable_network_policy").input
        assert checkbox.value is True and checkbox.disabled  # forced by Calico: shown, not editable
        assert app.screen.query_one("#sec-calico").display
        assert not app.screen.query_one("#sec-flannel").display
        await choose(pilot, app, "cni.kind", "flannel")
        assert checkbox.value is False and not checkbox.disabled


async def test_bad_cidr_shows_at_the_field_and_blocks_export(make_app):
    app = make_app(PlanState(), tab="addresses")
    async with app.run_test() as pilot:
        await opened(pilot, app)
        export = app.screen.query_one("#export", Button)
        assert not export.has_class("-off")
        await put(pilot, app, "cluster_cidr", "10.42.0.0/33")
        assert app.state.plan.cluster_cidr == ("10.42.0.0/33",)
        assert row(app, "cluster_cidr").has_class("-error")
        assert "10.42.0.0/33" in notes(app, "cluster_cidr")
        assert export.has_class("-off")
        await pilot.press("ctrl+e")  # off: the status line says why, no prompt opens
        await pilot.pause()
        assert isinstance(app.screen, PlanEditorScreen)
        assert "Export is off: 1 error: see Findings" in str(app.screen.query_one("#status").render())
        await pilot.press("f9")
        await pilot.pause()
        assert "Install is off: 1 error: see Findings" in str(app.screen.query_one("#status").render())
        # fix it: one more edit revalidates and turns Export back on
        row(app, "cluster_cidr").input.focus()
        await pilot.press("end", "backspace", "backspace", "1", "6")
        await settle(pilot)
        assert app.state.plan.cluster_cidr == ("10.42.0.0/16",)
        assert not row(app, "cluster_cidr").has_class("-error")
        assert not export.has_class("-off")


async def test_a_letter_in_a_number_field_is_an_error(make_app):
    app = make_app(PlanState(), tab="network")
    async with app.run_test() as pilot:
        await opened(pilot, app)
        await type_into(pilot, app, "flannel.mtu", "14x")  # waits until the typing is judged
        assert app.state.current and app.state.has_errors
        assert "not a whole number" in notes(app, "flannel.mtu")
        await pilot.press("backspace")
        await settle(pilot)
        assert app.state.current
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


@pytest.mark.parametrize("kind, flag", [("nodes", "--per-node"), ("ansible", "--ansible")])
async def test_export_per_node_and_for_k3s_ansible_equal_render(make_app, tmp_path: Path, kind, flag):
    """A plan with nodes exports per node or as a k3s-ansible folder, byte for byte what
    `k3stui render --per-node` / `--ansible` writes (issue 14: from the CLI and the TUI)."""
    from k3stui import cli

    app = make_app()
    async with app.run_test() as pilot:
        options = app.screen.query_one(OptionList)
        ids = [o.id for o in options.options]
        options.highlighted = ids.index("preset:flannel-host-gw")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("ctrl+e")
        await pilot.pause()
        app.screen.query_one("#kind", Choice).value = kind
        app.screen.query_one("#path", Input).value = str(tmp_path / "tui")
        await pilot.press("enter")
        await pilot.pause()
    where = ["--out", str(tmp_path / "cli")] if kind == "nodes" else [flag, str(tmp_path / "cli")]
    argv = ["render", "--preset", "flannel-host-gw", *(["--per-node"] if kind == "nodes" else []), *where]
    assert cli.main(argv) == 0

    def tree(top: Path) -> dict[Path, bytes]:
        return {f.relative_to(top): f.read_bytes() for f in top.rglob("*") if f.is_file()}

    exported, rendered = tree(tmp_path / "tui"), tree(tmp_path / "cli")
    assert exported and exported == rendered


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
    # on the tab before it, then its key (stepping through every tab: test_fast_tab_presses_are_not_lost)
    app = make_app(state, tab="findings")
    async with app.run_test() as pilot:
        await opened(pilot, app)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.screen.shown_tab == "preview")
        assert app.screen.query_one(TabbedContent).active == "preview"
        listing = app.screen.query_one("#preview-list", OptionList)
        titles = [o.id for o in listing.options]
        assert titles[0].startswith("Ports, MTU")
        assert len(titles) > 2
        text = str(app.screen.query_one("#preview-text").render())
        assert "Ports to open" in text


async def test_command_palette_switches_tabs(make_app):
    app = make_app(PlanState())
    async with app.run_test() as pilot:
        await palette(pilot, "tab findings")
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PlanEditorScreen)
        assert app.screen.query_one(TabbedContent).active == "findings"


async def test_the_focused_options_label_stands_out_and_follows_the_focus(make_app):
    """Textual restyles on a focus change only under an ancestor with a :focus-within rule of its
    own: the label's emphasis stayed on the first row styled, wherever the focus went."""
    app = make_app(PlanState(), tab="addresses")
    async with app.run_test() as pilot:
        await opened(pilot, app)
        paths = ("cluster_cidr", "service_cidr", "cluster_dns")
        for path in (*paths, paths[0]):
            row(app, path).input.focus()
            await settle(pilot)
            bold = {p: bool(row(app, p).query_one(".field-label").rich_style.bold) for p in paths}
            assert bold == {p: p == path for p in paths}


async def test_help_panel_follows_focus_and_toggles(make_app):
    app = make_app(PlanState(), tab="addresses")
    async with app.run_test() as pilot:
        await opened(pilot, app)
        row(app, "service_cidr").query_one(Input).focus()
        await pilot.pause()
        help_panel = app.screen.query_one("#help")
        assert "service-cidr" in str(help_panel.render())
        await pilot.press("f1")
        assert not help_panel.display


async def test_install_shows_the_dry_run_and_reports_the_rollback(make_app, tmp_path: Path, monkeypatch):
    from k3stui.tui.screens.install_confirm import InstallScreen

    monkeypatch.setenv("K3STUI_NO_DOWNLOAD", "1")  # the script download fails: everything is undone
    app = make_app(PlanState())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f9")
        await settle(pilot)  # the dry run is read in a worker
        screen = app.screen
        assert isinstance(screen, InstallScreen) and screen.actions is not None
        assert "dry run" in screen.sub_title
        dry_run = str(screen.query_one("#dry-run").render())
        assert "50-k3stui-network.yaml" in dry_run and "install script" in dry_run
        assert not (tmp_path / "root/etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml").exists()
        await pilot.press("ctrl+o")  # no new plan under the install screen
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("ctrl+r")
        await settle(pilot)  # the install runs in a worker
        assert not screen.running
        assert "dry run" not in screen.sub_title
        result = str(screen.query_one("#install-result").render())
        assert screen.query_one("#install-result").has_class("-failed")
        assert "rolled back" in result
        assert "--install-script" not in result  # the UI's words: the choice is on this screen
        assert "local install script" in result
        bar = screen.query_one("#install-progress")
        assert bar.has_class("-failed") and not bar.has_class("-ok")
        assert "failed" in str(screen.query_one("#install-step").render())
        assert screen.query_one("#install-log").lines
        assert not (tmp_path / "root/etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml").exists()
        await pilot.press("escape")
        assert isinstance(app.screen, PlanEditorScreen)


async def test_install_from_a_local_script_or_a_bundle(make_app, tmp_path: Path):
    from k3stui.tui.screens.install_confirm import InstallScreen

    script = tmp_path / "install.sh"
    script.write_text("#!/bin/sh\nexit 0\n")
    app = make_app(PlanState())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f9")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InstallScreen)
        screen.query_one("#source", Choice).value = "script"
        await settle(pilot)
        path = screen.query_one("#source-path", Input)
        assert not path.disabled and path.placeholder.startswith("e.g.")
        path.value = str(tmp_path / "missing.sh")
        await pilot.press("enter")
        await settle(pilot)
        assert "no such file" in str(screen.query_one("#dry-run").render())
        assert screen.query_one("#confirm", Button).disabled
        path.value = str(script)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.actions is not None
        assert str(script) in str(screen.query_one("#dry-run").render())
        assert "get.k3s.io" not in str(screen.query_one("#dry-run").render())
        screen.query_one("#source", Choice).value = "airgap"
        await settle(pilot)
        path.value = str(tmp_path)  # a folder, but no bundle in it: the installer says why
        await pilot.press("enter")
        await settle(pilot)
        assert screen.actions is not None and screen.actions.refused
        assert screen.query_one("#confirm", Button).disabled


async def test_an_agent_is_judged_and_installed_as_the_cli_does(make_app, tmp_path: Path):
    """Role agent on a planned cluster: no agent errors (the plan describes the cluster), and the
    dry run is the one `k3stui install --role agent` makes: server URL from the nodes, the default
    token file, no server keys in the agent's file."""
    from k3stui import cli
    from k3stui.commands import install
    from k3stui.defaults import AGENT_TOKEN_FILE
    from k3stui.presets import load_shipped
    from k3stui.tui.screens.install_confirm import InstallScreen

    app = make_app(PlanState(load_shipped("flannel-host-gw").plan, "preset flannel-host-gw"))
    async with app.run_test(size=(100, 30)) as pilot:
        await choose(pilot, app, "role", "agent")
        assert app.state.role == "agent" and app.state.plan.role == "server"
        codes = {f.code for f in app.state.findings}
        assert not codes & {"AGENT001", "AGENT003", "AGENT010"}
        assert notes(app, "token_file") == ""
        await pilot.press("f9")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InstallScreen)
        assert "agent" in str(screen.query_one("#dialog-title").render())
        tui_files = [(f.dest, f.content) for f in screen.actions.files]
        tui_commands = [(c.argv, c.env) for c in screen.actions.commands]
    args = cli.build_parser().parse_args(["install", "--preset", "flannel-host-gw", "--role", "agent",
                                          "--root", str(tmp_path / "root"), "--dry-run"])
    actions = install.prepare(args)
    assert tui_files == [(f.dest, f.content) for f in actions.files]
    assert tui_commands == [(c.argv, c.env) for c in actions.commands]
    agent_file = dict(tui_files)["/etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml"].decode()
    assert "server: https://" in agent_file and f"token-file: {AGENT_TOKEN_FILE}" in agent_file
    assert "flannel-backend" not in agent_file


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
    app = make_app(PlanState(), tab="addresses")
    async with app.run_test() as pilot:
        await opened(pilot, app)
        row(app, "cluster_cidr").input.focus()
        await put(pilot, app, "cluster_cidr", "10.99.0.0/16")
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press("enter")  # K3s defaults
        await pilot.pause()
        assert app.state.plan.cluster_cidr == ()
        assert row(app, "cluster_cidr").query_one(Input).value == ""  # not the old plan's text


async def test_palette_keys_command_then_f1_does_not_crash(make_app):
    """Textual's "Keys" command removes widgets whose type is named HelpPanel; ours is not."""
    app = make_app(PlanState())
    async with app.run_test() as pilot:
        await palette(pilot, "keys")
        await pilot.press("enter")  # show Textual's keys panel
        await settle(pilot)
        await palette(pilot, "keys")
        await pilot.press("enter")  # hide it again: removes "HelpPanel" widgets
        await settle(pilot)
        help_panel = app.screen.query_one("#help")
        await pilot.press("f1")
        await pilot.pause()
        assert not help_panel.display
        await pilot.press("f1")
        await pilot.pause()
        assert help_panel.display
        assert app.return_code is None  # still running


async def test_next_tab_before_any_tab_is_active(make_app):
    """While a large preset mounts TabbedContent.active is '': ctrl+n then starts from the first tab."""
    from k3stui.presets import load_shipped

    app = make_app(PlanState(load_shipped("multus-macvlan").plan))
    async with app.run_test() as pilot:
        await pilot.pause()
        tabs = app.screen.query_one(TabbedContent)
        tabs.active = ""  # as before the first tab activates
        app.screen.action_next_tab()
        await settle(pilot)
        assert tabs.active == "addresses"
        assert app.return_code is None


async def test_an_unexpected_exception_exits_3_and_keeps_the_unsaved_plan(make_app, tmp_path: Path,
                                                                         monkeypatch):
    from k3stui.tui.starting_points import preset_from_file

    monkeypatch.delenv("K3STUI_DEBUG", raising=False)
    app = make_app(PlanState())
    async with app.run_test() as pilot:
        await put(pilot, app, "server", "https://10.0.0.9:6443")

        def broken() -> None:
            raise RuntimeError("a bug")

        app.screen.call_later(broken)  # a handler that raises; not pilot.press: it waits on a live app
        for _ in range(10_000):  # until the app has ended (loop turns, not time)
            if app.return_code is not None:
                break
            await asyncio.sleep(0)
    assert app.return_code == 3
    saved = list((tmp_path / "out").glob("k3stui-recovery-*.yaml"))
    assert len(saved) == 1
    assert preset_from_file(saved[0]).plan.server == "https://10.0.0.9:6443"
    assert "RuntimeError: a bug" in app.crash and str(saved[0]) in app.crash


def test_run_app_prints_the_crash_and_returns_3(tmp_path: Path, monkeypatch, capsys):
    """The shell's side: `k3stui` (no command) ends with status 3 and the message on stderr."""
    from k3stui.tui import app as tui_app

    def crashed_run(self):
        self.crash = "k3stui: internal error: RuntimeError: a bug."
        return None

    monkeypatch.setattr(tui_app.K3sTuiApp, "run", crashed_run)
    assert tui_app.run_app(tmp_path, tmp_path) == 3
    assert "internal error: RuntimeError" in capsys.readouterr().err


def test_the_editor_opens_only_on_a_tab_it_has():
    with pytest.raises(ValueError, match="no tab 'nope'"):
        PlanEditorScreen(PlanState(), tab="nope")
