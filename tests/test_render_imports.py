"""What `k3stui render --out` may import: what its output needs, nothing it could do without (issue 17).
The packaged chart comes from k3stui/chart_package.json (if this fails after a chart change: python -m
k3stui.chart_package), the staging folder from one mkdir."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOT_FOR_RENDER = {"tarfile", "gzip", "tempfile", "shutil", "bz2", "lzma", "random", "hashlib", "jinja2",
                  "jsonschema", "textual", "sh", "k3stui.render.per_node", "k3stui.render.ansible"}
_PROBE = """
import contextlib, io, json, sys
from k3stui.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps([code, sorted(sys.modules)]))
"""


@pytest.mark.parametrize("preset", ["calico", "flannel-vxlan"])
def test_render_out_imports_only_what_it_uses(preset: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-c", _PROBE, "render", "--preset", preset, "--out", str(out)],
                       capture_output=True, text=True, cwd=REPO, timeout=120)
    code, loaded = json.loads(r.stdout.strip().splitlines()[-1])
    assert code == 0 and (out / "manifest.json").is_file(), r.stderr  # the probe really rendered
    assert sorted(m for m in loaded if m in NOT_FOR_RENDER or m.partition(".")[0] in NOT_FOR_RENDER) == []
    assert (preset == "calico") == (out / "chart" / "k3s-cni-0.1.0.tgz").is_file()
