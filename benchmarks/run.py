"""k3stui benchmarks: start-up and validation. Prints numbers and PASS/FAIL against the targets.

Targets: `k3stui check` does not import textual, sh or jinja2 and peaks under 80 MB; a plan validates
in under 5 ms; `k3stui bundle` streams big artifacts (a 256 MiB image archive must not raise its
peak memory above 160 MB). Start-up is reported next to `python3 -c pass` so k3stui's own cost
shows. `benchmarks/tui_bench.py` (run from here too) covers the TUI.
Run: `make bench` (or `.venv/bin/python benchmarks/run.py`). Not a test: timings vary by machine.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

VALIDATE_TARGET_MS = 5.0
CHECK_RSS_TARGET_MB = 80.0
BUNDLE_ARTIFACT_MB = 256
BUNDLE_RSS_TARGET_MB = 160.0  # well under the artifact: big files are streamed, never held whole
HEAVY = ("textual", "sh", "jinja2")

# Runs a command as a child and prints the child's peak resident memory in KiB (Linux ru_maxrss).
_RSS = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


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


def _peak_mb(argv: list[str]) -> float:
    out = subprocess.run([sys.executable, "-c", _RSS, *argv], capture_output=True, text=True, cwd=REPO)
    return int(out.stdout.strip() or 0) / 1024


def _bundle_peak_mb() -> float:
    """`k3stui bundle` with a 256 MiB image archive: its peak memory shows whether it streams."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        arts = Path(tmp) / "arts"
        arts.mkdir()
        (arts / "k3s").write_bytes(b"\x7fELF" + b"\0" * 1024 + b"pkg/version.Version=v1.34.3+k3s1")
        (arts / "install.sh").write_text("#!/bin/sh\n")
        with (arts / "k3s-airgap-images-amd64.tar.zst").open("wb") as fh:
            block = os.urandom(1 << 20)
            for _ in range(BUNDLE_ARTIFACT_MB):
                fh.write(block)
        out = Path(tmp) / "bundle"
        peak = _peak_mb([sys.executable, "-m", "k3stui", "bundle", "--preset", "flannel-vxlan",
                         "--artifacts", str(arts), "--out", str(out),
                         "--k3s-version", "v1.34.3+k3s1", "--no-wheels"])
        copied = out / "artifacts" / "k3s-airgap-images-amd64.tar.zst"
        if not copied.is_file() or copied.stat().st_size != BUNDLE_ARTIFACT_MB << 20:
            raise SystemExit("bundle benchmark: the bundle was not made; run the command by hand")
        if not out.with_name("bundle.tar.gz").is_file():
            raise SystemExit("bundle benchmark: no bundle.tar.gz was written")
        return peak


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
    rss = _peak_mb([sys.executable, "-m", "k3stui", "check", "--preset", "calico"])
    ok &= rss < CHECK_RSS_TARGET_MB
    verdict = "PASS" if rss < CHECK_RSS_TARGET_MB else "FAIL"
    target = f"(target < {CHECK_RSS_TARGET_MB:.0f} MB)"
    print(f"check peak memory                   {rss:7.1f} MB {target}  {verdict}")
    rss = _bundle_peak_mb()
    ok &= rss < BUNDLE_RSS_TARGET_MB
    verdict = "PASS" if rss < BUNDLE_RSS_TARGET_MB else "FAIL"
    print(f"bundle of a {BUNDLE_ARTIFACT_MB} MiB image archive    {rss:7.1f} MB peak "
          f"(target < {BUNDLE_RSS_TARGET_MB:.0f} MB)  {verdict}")
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
