"""The wheel carries the chart and the presets, and an installed k3stui works outside the checkout."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from testkit import REPO, outside_env

from k3stui.install.bundle import Wheels

# The session's one wheel build and venv (tests/conftest.py), shared with tests/install/test_airgap.py.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("k3stui-wheel")]


@pytest.fixture(scope="module")
def wheel(k3stui_wheels: Wheels) -> Path:
    if k3stui_wheels.problem:
        pytest.fail(f"the k3stui wheel could not be built: {k3stui_wheels.problem}")
    (whl,) = (w for w in k3stui_wheels.files if w.name.startswith("k3stui-"))
    return whl


def test_wheel_carries_chart_and_presets(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "k3stui/_data/charts/k3s-cni/Chart.yaml" in names
    assert "k3stui/_data/charts/k3s-cni/values.schema.json" in names
    shipped = sorted(p.name for p in (REPO / "presets").glob("*.yaml"))
    assert shipped and all(f"k3stui/_data/presets/{n}" in names for n in shipped)


def test_installed_wheel_runs_outside_the_checkout(installed_k3stui: Path, tmp_path: Path) -> None:
    py = installed_k3stui / "bin" / "python"
    exe = installed_k3stui / "bin" / "k3stui"
    env = outside_env()  # no PYTHONPATH: the checkout must not be importable
    r = subprocess.run([str(exe), "--version"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert r.returncode == 0 and "k3stui" in r.stdout
    r = subprocess.run([str(exe), "preset", "list"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert r.returncode == 0 and "calico" in r.stdout, r.stderr
    r = subprocess.run([str(exe), "check", "--preset", "cilium"],
                       capture_output=True, text=True, cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    # The shipped data comes from site-packages, not from this checkout.
    where = subprocess.run([str(py), "-c", "from k3stui.resources import chart_dir; print(chart_dir())"],
                           capture_output=True, text=True, cwd=tmp_path, env=env).stdout
    assert "site-packages" in where


def test_the_installed_chart_is_served_from_the_chart_cache(installed_k3stui: Path, tmp_path: Path) -> None:
    """The wheel's chart (k3stui/_data/charts) matches the shipped chart_package.json's fingerprint, so an
    installed render uses the cache instead of packaging the chart anew."""
    probe = ("from k3stui.chart import chart_files; from k3stui.chart_package import _cached; "
             "from k3stui.resources import chart_dir; print(_cached(chart_files(chart_dir())) is not None)")
    py = installed_k3stui / "bin" / "python"
    r = subprocess.run([str(py), "-c", probe], capture_output=True, text=True, cwd=tmp_path,
                       env=outside_env())
    assert r.stdout.strip() == "True", r.stderr
