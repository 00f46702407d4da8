"""The wheel carries the chart and the presets, and an installed k3stui works outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(REPO)],
                   check=True, capture_output=True, timeout=600)
    (whl,) = out.glob("k3stui-*.whl")
    return whl


@pytest.mark.slow
def test_wheel_carries_chart_and_presets(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "k3stui/_data/charts/k3s-cni/Chart.yaml" in names
    assert "k3stui/_data/charts/k3s-cni/values.schema.json" in names
    shipped = sorted(p.name for p in (REPO / "presets").glob("*.yaml"))
    assert shipped and all(f"k3stui/_data/presets/{n}" in names for n in shipped)


@pytest.mark.slow
def test_installed_wheel_runs_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheel)], check=True, timeout=900,
                   capture_output=True)
    exe = env_dir / "bin" / "k3stui"
    r = subprocess.run([str(exe), "--version"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0 and "k3stui" in r.stdout
    r = subprocess.run([str(exe), "preset", "list"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0 and "calico" in r.stdout, r.stderr
    r = subprocess.run([str(exe), "check", "--preset", "cilium"],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    # The shipped data comes from site-packages, not from this checkout.
    where = subprocess.run([str(py), "-c", "from k3stui.resources import chart_dir; print(chart_dir())"],
                           capture_output=True, text=True, cwd=tmp_path).stdout
    assert "site-packages" in where
