"""Packaging the k3s-cni chart and the K3s auto-deploy manifest that installs it.

`package_chart` builds the same kind of .tgz `helm package` does (a `k3s-cni/` prefix), but
deterministically: sorted entries, fixed mtime, uid/gid 0, so the manifest only changes when the
chart or the values do. Reads the chart from disk; writes nothing (`k3stui.fsio` does).
"""

from __future__ import annotations

import base64
import fnmatch
import gzip
import io
import tarfile
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from k3stui import defaults
from k3stui.plan import Plan
from k3stui.render.chart_values import chart_needed, chart_values
from k3stui.render.files import RenderedFile
from k3stui.resources import chart_dir as shipped_chart_dir

CHART_NAME = "k3s-cni"
MANIFEST_NAME = f"{CHART_NAME}.yaml"
MANIFEST_DEST = f"{defaults.AUTO_DEPLOY_DIR}/{MANIFEST_NAME}"
_FIXED_MTIME = 0  # 1970: reproducible archives (helm itself stamps "now")
_ALWAYS_IGNORED = (".helmignore",)  # helm never packages its own ignore file either


def _helmignore(chart_dir: Path) -> list[str]:
    path = chart_dir / ".helmignore"
    if not path.is_file():
        return []
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _ignored(rel: PurePosixPath, is_dir: bool, patterns: list[str]) -> bool:
    """`.helmignore`, roughly: glob on the base name or the whole path; "dir/" only matches dirs.
    Negations ("!") are not supported (the shipped chart has none)."""
    if rel.name in _ALWAYS_IGNORED:
        return True
    for pattern in patterns:
        if pattern.startswith("!"):
            continue
        dir_only = pattern.endswith("/")
        pat = pattern.rstrip("/").lstrip("/")
        if dir_only and not is_dir:
            continue
        target = str(rel) if "/" in pat else rel.name
        if fnmatch.fnmatchcase(target, pat):
            return True
    return False


def chart_files(chart_dir: Path) -> dict[str, bytes]:
    """The chart's packaged files, relative POSIX path -> content, in sorted order."""
    patterns = _helmignore(chart_dir)
    out: dict[str, bytes] = {}

    def walk(folder: Path) -> None:
        for entry in sorted(folder.iterdir(), key=lambda p: p.name):
            rel = PurePosixPath(entry.relative_to(chart_dir).as_posix())
            if _ignored(rel, entry.is_dir(), patterns):
                continue
            if entry.is_dir():
                walk(entry)
            elif entry.is_file():
                out[str(rel)] = entry.read_bytes()

    walk(chart_dir)
    return dict(sorted(out.items()))


def _chart_meta(files: dict[str, bytes]) -> dict[str, Any]:
    meta = yaml.safe_load(files["Chart.yaml"])
    if not isinstance(meta, dict) or not meta.get("name") or not meta.get("version"):
        raise ValueError("Chart.yaml needs a name and a version")
    return meta


def values_yaml(values: dict[str, Any]) -> str:
    return yaml.safe_dump(values, sort_keys=False, default_flow_style=False)


def package_chart(chart_dir: Path, values: dict[str, Any] | None = None) -> tuple[str, bytes]:
    """(`<name>-<version>.tgz`, bytes) of the chart, with `values` as its values.yaml when given."""
    return package_files(chart_files(chart_dir), values)


def package_files(files: dict[str, bytes], values: dict[str, Any] | None = None) -> tuple[str, bytes]:
    """`package_chart` for chart files already read (`chart_files`)."""
    files = dict(files)
    meta = _chart_meta(files)
    if values is not None:
        files["values.yaml"] = values_yaml(values).encode()
    buf = io.BytesIO()
    # gzip with mtime 0 and no file name: byte-identical output for identical input.
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=_FIXED_MTIME, compresslevel=9) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for rel, data in sorted(files.items()):
            info = tarfile.TarInfo(f"{meta['name']}/{rel}")
            info.size = len(data)
            info.mtime = _FIXED_MTIME
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    return f"{meta['name']}-{meta['version']}.tgz", buf.getvalue()


def auto_deploy_manifest(tgz: bytes, values: dict[str, Any], *, name: str = CHART_NAME) -> dict[str, Any]:
    """The HelmChart for /var/lib/rancher/k3s/server/manifests/: the packaged chart inline (works
    air-gapped, no repo to host), bootstrap so its Job runs before any CNI exists."""
    return {
        "apiVersion": "helm.cattle.io/v1",
        "kind": "HelmChart",
        "metadata": {"name": name, "namespace": "kube-system"},
        "spec": {
            "chart": name,
            "chartContent": base64.b64encode(tgz).decode("ascii"),
            "targetNamespace": "kube-system",
            "bootstrap": True,
            "valuesContent": values_yaml(values),
        },
    }


def chart_export_files(plan: Plan, *, k3s_version: str | None = None) -> list[RenderedFile]:
    """What `k3stui render` writes for the chart: the chart folder, the generated values, the
    packaged .tgz and the auto-deploy manifest for servers. Nothing when the plan installs nothing
    through the chart (flannel or bring-your-own CNI without Multus)."""
    if not chart_needed(plan):
        return []
    files = chart_files(shipped_chart_dir())
    values = chart_values(plan, k3s_version=k3s_version)
    tgz_name, tgz = package_files(files, values)
    out = [
        RenderedFile(
            path=f"chart/{CHART_NAME}/{rel}",
            dest=None,
            mode=0o644,
            roles=(),
            content=data,
            description=f"k3s-cni chart source: {rel}",
        )
        for rel, data in files.items()
    ]
    out.append(RenderedFile(
        path="chart/values.yaml",
        dest=None,
        mode=0o644,
        roles=(),
        content=values_yaml(values).encode(),
        description="values for the k3s-cni chart, generated from the plan "
        "(helm install k3s-cni chart/k3s-cni -n kube-system -f chart/values.yaml)",
    ))
    out.append(RenderedFile(
        path=f"chart/{tgz_name}",
        dest=None,
        mode=0o644,
        roles=(),
        content=tgz,
        description="the packaged chart with the generated values baked in",
    ))
    manifest = auto_deploy_manifest(tgz, values)
    out.append(RenderedFile(
        path=f"server{MANIFEST_DEST}",
        dest=MANIFEST_DEST,
        mode=0o600,  # K3s reads it as root; it may carry air-gapped chart contents
        roles=("server",),
        content=yaml.safe_dump(manifest, sort_keys=False).encode(),
        description="K3s auto-deploy manifest: installs the pod network at server start-up",
    ))
    return out
