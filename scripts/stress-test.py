#!/usr/bin/env python3
"""Run the whole pytest suite several times in a row while CPU-bound processes load the machine.

`make test-stress` = 3 runs of `make test`'s own pytest command (given after `--`: pytest-xdist on
every CPU) beside 2 busy loops, the issue's bar for "no flaky test". Exit 0 only when every run
passed; the burners are stopped however the runs end. Stdlib only.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--burners", type=int, default=2, help="CPU-bound processes beside the suite")
    ap.add_argument("command", nargs="+",
                    help="the suite's command, after --: make test-stress passes make test's")
    args = ap.parse_args()
    # A burner spins until its parent is gone, so a killed stress run leaves no busy loop behind.
    burner = "import os\nparent = os.getppid()\nwhile os.getppid() == parent:\n    pass\n"
    burners = [subprocess.Popen([sys.executable, "-c", burner]) for _ in range(args.burners)]
    results = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a TERM still runs the clean-up below
    try:
        for n in range(1, args.runs + 1):
            t0 = time.perf_counter()
            rc = subprocess.run(args.command).returncode
            results.append((n, rc, time.perf_counter() - t0))
            print(f"stress run {n}/{args.runs}: exit {rc} in {results[-1][2]:.0f} s "
                  f"with {args.burners} busy processes", flush=True)
    finally:
        for b in burners:
            b.kill()
            b.wait()
    failed = [n for n, rc, _ in results if rc != 0]
    print(f"stress: {args.runs - len(failed)} of {args.runs} runs passed"
          + (f"; failed runs: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
