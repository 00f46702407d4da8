"""Typing is never lost: a burst of keys arriving faster than the app draws (a fast typist, a paste
through tmux, a busy machine) ends as exactly the text typed, judged once the typing pauses."""

from __future__ import annotations

import subprocess
import sys

from textual import events
from tuikit import key_name, opened, row, settle

from k3stui.presets import load_shipped
from k3stui.tui.state import PlanState


async def test_a_burst_into_a_cidr_field_under_load_keeps_every_key(make_app):
    # Two CPU-bound processes beside the app on a 2-core machine: the load of the bug report.
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        # the largest shipped plan
        app = make_app(PlanState(load_shipped("multus-macvlan").plan), tab="addresses")
        async with app.run_test() as pilot:
            await opened(pilot, app)
            for text in ("10.52.0.0/16", "192.168.200.0/24"):
                widget = row(app, "cluster_cidr").input
                widget.focus()
                widget.value = ""
                await settle(pilot)
                for ch in text:  # all queued at once, as a terminal delivers a burst
                    app.post_message(events.Key(key_name(ch), ch))
                await settle(pilot)
                assert widget.value == text
                assert app.state.plan.cluster_cidr == (text,)
                assert app.state.current  # judged after the burst, with the whole text
                assert not [f for f in app.state.findings if f.key == "cluster-cidr" and f.code == "input"]
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
