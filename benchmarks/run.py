"""k3stui benchmarks: every figure as a ratio to a baseline measured side by side in the same run, with
PASS/FAIL against its target; exit 1 when any target is missed. Not a test: timings are never asserted
in the suite (ratios are stable within ~15 % while absolute times move 2–5× with load).

Start-up paths are measured in pairs (`python -c pass`, then the command, 15 times; the median of the
pair ratios), so a busy machine slows both sides alike. The bundle is timed against the coreutils
pipeline that does the same job (cp + sha256sum + tar -czf). `benchmarks/tui_bench.py` (run from here
too) covers the TUI. Run: `make bench` (or `.venv/bin/python benchmarks/run.py [--quick]`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PY = sys.executable
EXEC = "server --cluster-cidr=10.42.0.0/16,2001:db8:42::/56 --service-cidr=10.43.0.0/16,2001:db8:43::/112"
# (name, argv after `python`, target ratio to `python -c pass`)
STARTUP = (
    ("k3stui check --exec '…'", ["-m", "k3stui", "check", f"--exec={EXEC}"], 5.0),
    ("k3stui check --preset calico", ["-m", "k3stui", "check", "--preset", "calico"], 6.0),
    ("k3stui rules", ["-m", "k3stui", "rules"], 5.0),
    ("k3stui --help", ["-m", "k3stui", "--help"], 3.0),
)
RENDER_TARGET = 8.0
HEAVY = ("textual", "sh", "jinja2", "ruamel", "jsonschema")
CHECK_RSS_TARGET_MB = 80.0
BUNDLE_ARTIFACT_MB = 256
BUNDLE_RSS_TARGET_MB = 64.0  # far under the artifact: big files are streamed, never held whole
BUNDLE_SPEEDUP_TARGET = 2.0  # k3stui bundle at least 2× faster than cp + sha256sum + tar -czf
VALIDATE_TARGET_MS = 5.0
LINEAR_SPREAD = 3.0  # µs per macvlan network at 2,000 networks ≤ 3× that at 50: linear, not quadratic
SUITE_TARGET_S = 240.0  # the pytest run of `make test` on 2 idle cores
SUITE_TUI_SHARE = 1 / 3


@dataclass
class Row:
    name: str
    figure: str
    baseline: str
    ok: bool

    def show(self) -> None:
        print(f"{self.name:38s} {self.figure:>22s}   {self.baseline:34s} {'PASS' if self.ok else 'FAIL'}")


def _once(argv: list[str], cwd: Path = REPO) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, capture_output=True, cwd=cwd, check=False)
    return time.perf_counter() - t0


def _paired(argv: list[str], pairs: int) -> tuple[float, float]:
    """Median ratio command/baseline over `pairs` back-to-back pairs, and the median baseline (s)."""
    ratios, bases = [], []
    _once([PY, *argv])  # warm the page cache
    for _ in range(pairs):
        base = _once([PY, "-c", "pass"])
        ratios.append(_once([PY, *argv]) / base)
        bases.append(base)
    return statistics.median(ratios), statistics.median(bases)


def startup(pairs: int) -> list[Row]:
    rows = []
    for name, argv, target in STARTUP:
        ratio, base = _paired(argv, pairs)
        why = f"(target ≤ {target:.0f}×; pass {base * 1000:.0f} ms)"
        rows.append(Row(name, f"{ratio:5.1f}× python -c pass", why, ratio <= target))
    with tempfile.TemporaryDirectory() as tmp:
        ratios = []
        for n in range(pairs):
            base = _once([PY, "-c", "pass"])
            argv = [PY, "-m", "k3stui", "render", "--preset", "calico", "--out", f"{tmp}/o{n}"]
            ratios.append(_once(argv) / base)
    ratio = statistics.median(ratios)
    rows.append(Row("k3stui render --preset calico --out D", f"{ratio:5.1f}× python -c pass",
                    f"(target ≤ {RENDER_TARGET:.0f}×)", ratio <= RENDER_TARGET))
    return rows


def imports() -> list[Row]:
    rows = []
    for name, argv, _ in STARTUP[:3]:
        r = subprocess.run([PY, "-X", "importtime", *argv], capture_output=True, text=True, cwd=REPO)
        loaded = {line.split("|")[-1].strip() for line in r.stderr.splitlines() if "|" in line}
        heavy = sorted(m for m in HEAVY if m in loaded)
        rows.append(Row(f"{name}: imports", ", ".join(heavy) or "nothing heavy", "", not heavy))
    return rows


_RSS = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def _peak_mb(argv: list[str]) -> float:
    out = subprocess.run([PY, "-c", _RSS, *argv], capture_output=True, text=True, cwd=REPO)
    return int(out.stdout.strip() or 0) / 1024


def memory() -> list[Row]:
    rss = _peak_mb([PY, "-m", "k3stui", "check", "--preset", "calico"])
    return [Row("check peak memory", f"{rss:.1f} MB", f"(target < {CHECK_RSS_TARGET_MB:.0f} MB)",
                rss < CHECK_RSS_TARGET_MB)]


def _artifacts(arts: Path) -> None:
    arts.mkdir()
    (arts / "k3s").write_bytes(b"\x7fELF" + b"\0" * 1024 + b"pkg/version.Version=v1.34.3+k3s1")
    (arts / "install.sh").write_text("#!/bin/sh\n")
    with (arts / "k3s-airgap-images-amd64.tar.zst").open("wb") as fh:  # incompressible, as zstd output is
        for _ in range(BUNDLE_ARTIFACT_MB):
            fh.write(os.urandom(1 << 20))


def bundle() -> list[Row]:
    """`k3stui bundle` with a 256 MiB image archive: its peak memory (streamed?) and its speed next to
    the coreutils pipeline that copies, hashes and packs the same files."""
    with tempfile.TemporaryDirectory() as tmp:
        arts = Path(tmp) / "arts"
        _artifacts(arts)
        t0 = time.perf_counter()
        peak = _peak_mb([PY, "-m", "k3stui", "bundle", "--preset", "flannel-vxlan", "--k3s-version",
                         "v1.34.3+k3s1", "--no-wheels", "--artifacts", str(arts), "--out", f"{tmp}/bundle"])
        ours = time.perf_counter() - t0
        made = sorted(p.name for p in Path(tmp).glob("bundle.tar*"))
        if not made:
            return [Row("bundle", "not made", "(run the command by hand)", False)]
        t0 = time.perf_counter()
        pipeline = (f'mkdir "{tmp}/cu" && cp "{arts}"/* "{tmp}/cu/" && '
                    f'(cd "{tmp}/cu" && sha256sum * > SHA256SUMS) && '
                    f'tar -czf "{tmp}/cu.tar.gz" -C "{tmp}" cu')
        subprocess.run(["sh", "-c", pipeline], check=True)
        theirs = time.perf_counter() - t0
        shutil.rmtree(f"{tmp}/cu")
    speedup = theirs / ours
    return [
        Row(f"bundle, {BUNDLE_ARTIFACT_MB} MiB image archive", f"{speedup:4.1f}× faster",
            f"(cp+sha256sum+tar -czf {theirs:.1f} s; ≥ {BUNDLE_SPEEDUP_TARGET:.0f}×)",
            speedup >= BUNDLE_SPEEDUP_TARGET),
        Row("bundle peak memory", f"{peak:.1f} MB", f"(target < {BUNDLE_RSS_TARGET_MB:.0f} MB)",
            peak < BUNDLE_RSS_TARGET_MB),
    ]


def validation() -> list[Row]:
    from k3stui.presets import load_preset_text
    from k3stui.resources import presets_dir
    from k3stui.rules import validate

    worst, rows = 0.0, []
    for path in sorted(presets_dir().glob("*.yaml")):
        plan = load_preset_text(path.read_text(), str(path)).plan
        validate(plan)
        t0 = time.perf_counter()
        for _ in range(200):
            validate(plan)
        worst = max(worst, (time.perf_counter() - t0) / 200 * 1000)
    rows.append(Row("validation, slowest preset", f"{worst:.3f} ms", f"(target < {VALIDATE_TARGET_MS} ms)",
                    worst < VALIDATE_TARGET_MS))
    per = {n: _per_network_us(n) for n in (50, 2000)}
    spread = per[2000] / per[50]
    rows.append(Row("validation per macvlan network", f"{per[50]:.0f} → {per[2000]:.0f} µs",
                    f"(50 → 2,000 networks; ≤ {LINEAR_SPREAD:.0f}× spread)", spread <= LINEAR_SPREAD))
    return rows


def _per_network_us(n: int) -> float:
    from k3stui.presets import load_preset_text
    from k3stui.resources import presets_dir
    from k3stui.rules import validate

    text = (presets_dir() / "multus-macvlan.yaml").read_text()
    import yaml

    data = yaml.safe_load(text)
    net = data["spec"]["cni"]["multus"]["networks"][0]
    nets = []
    for i in range(n):
        a, b = divmod(i, 250)
        prefix = f"10.{100 + a}.{b}"
        nets.append({**net, "name": f"net{i}", "subnet": f"{prefix}.0/24", "range-start": f"{prefix}.200",
                     "range-end": f"{prefix}.216", "gateway": f"{prefix}.1"})
    data["spec"]["cni"]["multus"]["networks"] = nets
    plan = load_preset_text(yaml.safe_dump(data), "bench").plan
    t0 = time.perf_counter()
    validate(plan)
    return (time.perf_counter() - t0) / n * 1e6


def suite() -> list[Row]:
    """The last whole-suite run's figures (tests/conftest.py writes them); not re-run here."""
    path = REPO / ".cache" / "test-times.json"
    if not path.is_file():
        print("pytest suite: no record yet (a whole `make test` run writes .cache/test-times.json)")
        return []
    t = json.loads(path.read_text())
    share = _tui_share(t)
    return [Row(f"pytest suite ({t['tests']} tests, {t['cpus']} CPUs)", f"{t['seconds']:.0f} s",
                f"(target < {SUITE_TARGET_S:.0f} s; {t['when']})", t["seconds"] < SUITE_TARGET_S),
            Row("  of which tests/tui", f"{share:.1%}", f"(target < {SUITE_TUI_SHARE:.0%})",
                share < SUITE_TUI_SHARE)]


def _tui_share(t: dict[str, float]) -> float:
    """tests/tui's share of the run: as tests/conftest.py records it (`tui_share`, of the tests' own
    time, which stays right under -n), else from the seconds (a record written before it had one)."""
    if "tui_share" in t:
        return float(t["tui_share"])
    return t["tui_seconds"] / t["seconds"] if t.get("seconds") else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description="k3stui benchmarks (ratios, PASS/FAIL)")
    ap.add_argument("--quick", action="store_true", help="5 pairs instead of 15, no bundle, no TUI")
    args = ap.parse_args()
    # An installed wheel carries bytecode; a checkout under PYTHONDONTWRITEBYTECODE would recompile
    # every module on every run and measure the compiler, not k3stui.
    import compileall

    compileall.compile_dir(str(REPO / "k3stui"), quiet=1)
    rows = startup(5 if args.quick else 15) + imports() + memory() + validation() + suite()
    if not args.quick:
        rows += bundle()
    for row in rows:
        row.show()
    ok = all(r.ok for r in rows)
    tui = REPO / "benchmarks" / "tui_bench.py"
    if tui.exists() and not args.quick:
        print()
        ok &= subprocess.run([PY, str(tui)], cwd=REPO).returncode == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
