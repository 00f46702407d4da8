"""How fast the terminal UI is, against a minimal Textual app (Header + Input + Footer) measured the
same way in the same run, so a busy machine slows both alike. Median of N runs, each measuring both
apps back to back: a ratio is the median of the runs' own ratios.

  first paint    a new process (interpreter, imports, app) until its first screen is up and idle
                 (every worker done): target <= 1.2x the minimal app. Shown for information: when
                 k3stui's warm-up is done (a thread importing the editor a moment after the paint,
                 while the screen takes keys)
  preset ready   in a new process, as a user meets it: the start screen up and idle and its warm-up
                 done (reading the list takes longer), then Enter on the largest shipped preset
                 (multus-macvlan) until the last frame of its editor is drawn, every finding in it
                 (the app is then seen to stay idle, which is how the last frame is known to be the
                 last): target <= 300 ms on the machine of the issue, whose minimal app painted in
                 381 ms ("604 ms vs 381 ms"). Like every other figure here it is taken side by side
                 with the minimal app: each run's Enter is scaled by that run's minimal first paint
                 (ready x 381 / paint), so this machine's speed of the moment (a shared VM's varies
                 by half over a day) neither passes nor fails it. Shown for information: the
                 unscaled milliseconds, when the idleness was detected (Textual's pilot sees it
                 only after a quiet 20 ms slice, so it runs late by one slice or more), and the
                 same Enter at first paint, warm-up unfinished
  burst          12 keys queued at once into a field (a CIDR field for k3stui) until the field
                 holds them all ("keys in"; target <= 3x the minimal app) and, for k3stui, until
                 the plan is judged and its findings drawn ("judged", shown for information)

The package is byte-compiled first (as an installed wheel is), so a checkout under
PYTHONDONTWRITEBYTECODE measures k3stui, not the compiler. Prints each figure, its target and
PASS/FAIL; exit status 1 when a target is missed.
Run: PYTHONPATH=. python benchmarks/tui_bench.py [--runs 9]
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BURST = "10.52.0.0/16"  # 12 keys
_KEYS = {"/": "slash", ".": "full_stop"}
READY_PRESET = "multus-macvlan"
ISSUE_MINIMAL_PAINT = 0.381  # seconds: the minimal app's first paint where issue 16 set "ready <= 300 ms"

# The child process of the new-process measures; argv: which, the parent's clock at spawn, a root,
# the preset to open.
# Prints one line: seconds from spawn to the first screen idle ("minimal"; "k3stui", then to its warm-up
# done), or from Enter to the editor's last frame and to its idleness seen ("ready": warm-up done first;
# "ready-cold": Enter at once).
_CHILD = """
import sys, time
which, t0, root, preset = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
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

def busy(warm_up=True):
    return [w for w in app.workers if not w.is_finished and (warm_up or w.group != "warm-up")]

async def idle(pilot, warm_up=True):
    await pilot.pause()
    while warm_up and which != "minimal" and app.warm_up_ended is None:
        await pilot.pause(0.001)  # k3stui's warm-up starts a moment after the first paint
    while busy(warm_up):
        await app.workers.wait_for_complete(busy(warm_up))
        await pilot.pause()

async def first_paint(pilot):
    await idle(pilot, warm_up=False)
    painted = time.time() - t0
    await idle(pilot)
    print(painted, time.time() - t0, flush=True)
    app.exit()

async def ready(pilot):
    import asyncio
    from textual.widgets import OptionList

    await idle(pilot, warm_up=which == "ready")
    options = app.screen.query_one(OptionList)
    options.highlighted = [o.id for o in options.options].index("preset:" + preset)
    await pilot.pause()
    # When each frame reaches the terminal: Textual's App._display is where every screen update is
    # written. A cursor blink before the idleness is seen could only make the last frame later.
    frames = []
    display = app._display
    def timed_display(screen, update):
        display(screen, update)
        if update is not None and not app._batch_count:
            frames.append(time.perf_counter())
    app._display = timed_display
    start = time.perf_counter()
    options.action_select()
    while getattr(app.screen, "shown_tab", None) is None:
        await asyncio.sleep(0)
    await idle(pilot, warm_up=False)  # a cold Enter does not wait for the warm-up to start
    print(frames[-1] - start, time.perf_counter() - start, flush=True)
    app.exit()

app.run(headless=True, auto_pilot=ready if which.startswith("ready") else first_paint, size=(80, 24))
"""


def in_new_process(which: str, root: str) -> list[float]:
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", _CHILD, which, repr(t0), root, READY_PRESET],
                         capture_output=True, text=True, check=True)
    return [float(x) for x in out.stdout.strip().splitlines()[-1].split()]


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

    app = K3sTuiApp(root=root, out_dir=root, state=PlanState(load_shipped(READY_PRESET).plan))
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    compileall.compile_dir(str(REPO / "k3stui"), quiet=1)
    names = ("paint-min", "paint-k3s", "warm-k3s", "ready", "ready-scaled", "ready-idle", "ready-cold",
             "burst-min", "burst-k3s", "judged-k3s")
    results: dict[str, list[float]] = {k: [] for k in names}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        in_new_process("minimal", tmp)  # warm the page cache: the first run would pay the disk
        in_new_process("k3stui", tmp)
        asyncio.run(burst_minimal())
        asyncio.run(burst_k3stui(root))
        for _ in range(runs):  # side by side: each run measures both apps
            results["paint-min"] += in_new_process("minimal", tmp)[:1]
            painted, warm = in_new_process("k3stui", tmp)
            results["paint-k3s"].append(painted)
            results["warm-k3s"].append(warm)
            drawn, seen_idle = in_new_process("ready", tmp)
            results["ready"].append(drawn)
            results["ready-scaled"].append(drawn * ISSUE_MINIMAL_PAINT / results["paint-min"][-1])
            results["ready-idle"].append(seen_idle)
            results["ready-cold"] += in_new_process("ready-cold", tmp)[:1]
            results["burst-min"].append(asyncio.run(burst_minimal()))
            keys_in, judged = asyncio.run(burst_k3stui(root))
            results["burst-k3s"].append(keys_in)
            results["judged-k3s"].append(judged)
    med = {k: statistics.median(v) for k, v in results.items()}
    # Each run measures k3stui and the minimal app back to back: the median of those pairs' ratios (as
    # benchmarks/run.py takes its pairs), so a run in a slow moment is compared with its own baseline.
    def paired(ours: str, minimal: str) -> float:
        return statistics.median(k / m for k, m in zip(results[ours], results[minimal], strict=True))

    paint_ratio, burst_ratio = paired("paint-k3s", "paint-min"), paired("burst-k3s", "burst-min")
    checks = [
        ("first paint (x minimal)", paint_ratio, 1.2,
         f"{med['paint-k3s'] * 1000:.0f} ms vs {med['paint-min'] * 1000:.0f} ms; warm-up done after "
         f"{med['warm-k3s'] * 1000:.0f} ms"),
        ("preset ready (ms)", med["ready-scaled"] * 1000, 300,
         f"Enter on {READY_PRESET} until its editor's last frame, at the issue's speed (minimal app "
         f"{ISSUE_MINIMAL_PAINT * 1000:.0f} ms); here {med['ready'] * 1000:.0f} ms with the minimal app at "
         f"{med['paint-min'] * 1000:.0f} ms; idle seen after {med['ready-idle'] * 1000:.0f} ms; "
         f"{med['ready-cold'] * 1000:.0f} ms if pressed at first paint"),
        ("12-key burst (x minimal)", burst_ratio, 3.0,
         f"{med['burst-k3s'] * 1000:.1f} ms vs {med['burst-min'] * 1000:.1f} ms; judged and drawn after "
         f"{med['judged-k3s'] * 1000:.0f} ms"),
    ]
    print(f"k3stui TUI benchmark, median of {runs} (side by side with a minimal Textual app)")
    missed = 0
    for name, value, target, detail in checks:
        ok = value <= target
        missed += not ok
        print(f"  {name:<25} {value:8.2f}  target <= {target:<5}  {'PASS' if ok else 'FAIL'}  ({detail})")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
