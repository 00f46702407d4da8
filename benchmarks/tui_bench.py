"""How fast the terminal UI is, as ratios against a minimal Textual app (Header + Input + Footer)
measured the same way in the same run, so a busy machine slows both alike. Median of N runs.

  first paint    a new process (interpreter, imports, app) until its first screen is up and idle;
                 target: <= 1.2x the minimal app
  preset ready   Enter on the largest shipped preset (multus-macvlan) on the start screen until
                 its editor is up with every finding drawn; target: <= 300 ms
  burst          12 keys queued at once into a field (a CIDR field for k3stui) until the field
                 holds them all ("keys in"; target <= 3x the minimal app) and, for k3stui, until
                 the plan is judged and its findings drawn ("judged", shown for information)

Run: PYTHONPATH=. python benchmarks/tui_bench.py [--runs 9]. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BURST = "10.52.0.0/16"  # 12 keys
_KEYS = {"/": "slash", ".": "full_stop"}

# The child process of the first-paint measure; argv: which, the parent's clock at spawn, a root.
_CHILD = """
import sys, time
which, t0, root = sys.argv[1], float(sys.argv[2]), sys.argv[3]
if which == "minimal":
    from textual.app import App
    from textual.widgets import Footer, Header, Input

    class Minimal(App):
        def compose(self):
            yield Header()
            yield Input()
            yield Footer()

    app = Minimal()
else:
    from pathlib import Path
    from k3stui.tui.app import K3sTuiApp

    app = K3sTuiApp(root=Path(root), out_dir=Path(root))

async def first_paint(pilot):
    await pilot.pause()
    print(time.time() - t0, flush=True)
    app.exit()

app.run(headless=True, auto_pilot=first_paint, size=(80, 24))
"""


def first_paint(which: str, root: str) -> float:
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", _CHILD, which, repr(t0), root], capture_output=True,
                         text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _minimal_app():
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, Input

    class Minimal(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Input()
            yield Footer()

    return Minimal()


async def _burst_into(pilot, widget) -> float:
    """Queue BURST as key events at once (as a terminal delivers a burst); seconds until all are in."""
    from textual import events

    widget.focus()
    widget.value = ""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    start = time.perf_counter()
    for ch in BURST:
        pilot.app.post_message(events.Key(_KEYS.get(ch, ch), ch))
    while widget.value != BURST:
        await asyncio.sleep(0)
    return time.perf_counter() - start


async def burst_minimal() -> float:
    from textual.widgets import Input

    app = _minimal_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        return await _burst_into(pilot, app.query_one(Input))


async def burst_k3stui(root: Path) -> tuple[float, float]:
    from k3stui.presets import load_shipped
    from k3stui.tui.app import K3sTuiApp
    from k3stui.tui.fields import field_for
    from k3stui.tui.state import PlanState

    app = K3sTuiApp(root=root, out_dir=root, state=PlanState(load_shipped("multus-macvlan").plan))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.screen.run_action("show_tab('addresses')")
        while app.screen.shown_tab != "addresses":
            await pilot.pause()
        widget = app.screen.query_one("#" + field_for("cluster_cidr").widget_id).input
        keys_in = await _burst_into(pilot, widget)
        start = time.perf_counter() - keys_in
        while not (app.state.current and app.state.plan.cluster_cidr == (BURST,)):
            await asyncio.sleep(0)
        await pilot.pause()
        return keys_in, time.perf_counter() - start


async def preset_ready(root: Path) -> float:
    from textual.widgets import OptionList

    from k3stui.tui.app import K3sTuiApp
    from k3stui.tui.screens.plan_editor import PlanEditorScreen

    app = K3sTuiApp(root=root, out_dir=root)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        ids = [o.id for o in options.options]
        options.highlighted = ids.index("preset:multus-macvlan")
        await pilot.pause()
        start = time.perf_counter()
        options.action_select()
        while not isinstance(app.screen, PlanEditorScreen) or app.screen.shown_tab is None:
            await asyncio.sleep(0)
        await pilot.pause()
        return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    results: dict[str, list[float]] = {k: [] for k in ("paint-min", "paint-k3s", "ready", "burst-min",
                                                         "burst-k3s", "judged-k3s")}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for _ in range(runs):  # side by side: each run measures both apps
            results["paint-min"].append(first_paint("minimal", tmp))
            results["paint-k3s"].append(first_paint("k3stui", tmp))
            results["ready"].append(asyncio.run(preset_ready(root)))
            results["burst-min"].append(asyncio.run(burst_minimal()))
            keys_in, judged = asyncio.run(burst_k3stui(root))
            results["burst-k3s"].append(keys_in)
            results["judged-k3s"].append(judged)
    med = {k: statistics.median(v) for k, v in results.items()}
    checks = [
        ("first paint", med["paint-k3s"] / med["paint-min"], 1.2,
         f"{med['paint-k3s'] * 1000:.0f} ms vs {med['paint-min'] * 1000:.0f} ms"),
        ("preset ready (ms)", med["ready"] * 1000, 300, f"{med['ready'] * 1000:.0f} ms after Enter"),
        ("12-key burst", med["burst-k3s"] / med["burst-min"], 3.0,
         f"{med['burst-k3s'] * 1000:.1f} ms vs {med['burst-min'] * 1000:.1f} ms; judged and drawn after "
         f"{med['judged-k3s'] * 1000:.0f} ms"),
    ]
    print(f"k3stui TUI benchmark, median of {runs} (side by side with a minimal Textual app)")
    missed = 0
    for name, value, target, detail in checks:
        ok = value <= target
        missed += not ok
        print(f"  {name:<18} {value:8.2f}  target <= {target:<5}  {'ok' if ok else 'MISSED'}  ({detail})")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
