"""k3stui benchmarks: start-up and validation. Prints numbers and PASS/FAIL against the targets.

Targets (issue "Foundation"): `k3stui check` does not import textual, sh or jinja2; a plan validates
in under 5 ms. Start-up is reported next to `python3 -c pass` so the cost of k3stui itself shows.
Run: `make bench` (or `.venv/bin/python benchmarks/run.py`). Not a test: timings vary by machine.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

VALIDATE_TARGET_MS = 5.0
HEAVY = ("textual", "sh", "jinja2")


def _wall(argv: list[str], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, capture_output=True, cwd=REPO, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _imports(argv: list[str]) -> set[str]:
    r = subprocess.run([sys.executable, "-X", "importtime", *argv], capture_output=True, text=True, cwd=REPO)
    return {line.split("|")[-1].strip() for line in r.stderr.splitlines() if "|" in line}


def _validate_ms(runs: int = 300) -> dict[str, float]:
    from k3stui.presets import load_preset_text
    from k3stui.resources import presets_dir
    from k3stui.rules import validate

    out = {}
    for path in sorted(presets_dir().glob("*.yaml")):
        plan = load_preset_text(path.read_text(), str(path)).plan
        validate(plan)  # warm caches
        t0 = time.perf_counter()
        for _ in range(runs):
            validate(plan)
        out[path.stem] = (time.perf_counter() - t0) / runs * 1000
    return out


def main() -> int:
    ok = True
    # An installed wheel carries bytecode; a checkout under PYTHONDONTWRITEBYTECODE would recompile
    # every module on every run and measure the compiler, not k3stui.
    import compileall

    compileall.compile_dir(str(REPO / "k3stui"), quiet=1)
    base = _wall([sys.executable, "-c", "pass"])
    check = _wall([sys.executable, "-m", "k3stui", "check", "--preset", "flannel-vxlan"])
    helped = _wall([sys.executable, "-m", "k3stui", "--help"])
    print(f"python -c pass                      {base * 1000:7.1f} ms")
    print(f"k3stui --help                       {helped * 1000:7.1f} ms")
    own = (check - base) * 1000
    print(f"k3stui check --preset flannel-vxlan {check * 1000:7.1f} ms  (k3stui's own: {own:.1f} ms)")
    loaded = _imports(["-m", "k3stui", "check", "--preset", "flannel-vxlan"])
    heavy = sorted(m for m in HEAVY if m in loaded)
    verdict = "PASS" if not heavy else "FAIL"
    ok &= not heavy
    print(f"check imports textual/sh/jinja2:    {', '.join(heavy) or 'none'}  {verdict}")
    print()
    print(f"validation per plan (target < {VALIDATE_TARGET_MS} ms):")
    for name, ms in _validate_ms().items():
        verdict = "PASS" if ms < VALIDATE_TARGET_MS else "FAIL"
        ok &= ms < VALIDATE_TARGET_MS
        print(f"  {name:30s} {ms:6.3f} ms  {verdict}")
    tui = REPO / "benchmarks" / "tui_bench.py"
    if tui.exists():
        print()
        r = subprocess.run([sys.executable, str(tui)], cwd=REPO)
        ok &= r.returncode == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
