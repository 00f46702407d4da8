"""The k3s-cni chart's files, its generated values and the K3s auto-deploy manifest that installs it.

The .tgz is `k3stui.chart_package`'s (deterministic, and cached while the chart is unchanged).
Reads the chart from disk; writes nothing (`k3stui.fsio` does).
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Any

from k3stui import defaults, yamlout
from k3stui.chart_package import package_files, packaged
from k3stui.errors import RenderRefused
from k3stui.importers.yamlio import safe_load
from k3stui.plan import Plan
from k3stui.render import node_paths
from k3stui.render.chart_values import chart_needed, chart_values, values_notes
from k3stui.render.files import RenderedFile
from k3stui.resources import chart_dir as shipped_chart_dir

CHART_NAME = "k3s-cni"
MANIFEST_NAME = f"{CHART_NAME}.yaml"
MANIFEST_DEST = f"{defaults.AUTO_DEPLOY_DIR}/{MANIFEST_NAME}"  # with the default data-dir


class ValuesRejected(RenderRefused, ValueError):
    """Generated values the chart's own values.schema.json rejects: Helm would fail on the node and no
    pod network would come up, so nothing is written. (A ValueError too, for render's callers.)"""


def manifest_dest(plan: Plan) -> str:
    """Where K3s auto-deploys the chart from: `<data-dir>/server/manifests/k3s-cni.yaml`."""
    return f"{node_paths.auto_deploy_dir(plan)}/{MANIFEST_NAME}"
_ALWAYS_IGNORED = (".helmignore",)  # helm never packages its own ignore file either


def _helmignore(chart_dir: Path) -> list[str]:
    path = chart_dir / ".helmignore"
    if not path.is_file():
        return []
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _ignored(rel: str, is_dir: bool, patterns: list[str]) -> bool:
    """`.helmignore`, roughly: glob on the base name or the whole path (`rel`, POSIX, relative to
    the chart); "dir/" only matches dirs. Negations ("!") are not supported (the shipped chart has none)."""
    name = rel.rpartition("/")[2]
    if name in _ALWAYS_IGNORED:
        return True
    for pattern in patterns:
        if pattern.startswith("!"):
            continue
        dir_only = pattern.endswith("/")
        pat = pattern.rstrip("/").lstrip("/")
        if dir_only and not is_dir:
            continue
        target = rel if "/" in pat else name
        if _glob(target, pat):
            return True
    return False


def _glob(name: str, pattern: str) -> bool:
    """`fnmatch.fnmatchcase`, without compiling a regex for the plain and one-star patterns that
    .helmignore files are made of (`.git`, `*.swp`, `*~`): a compile each cost more than the rest
    of packaging the chart."""
    if "?" in pattern or "[" in pattern or pattern.count("*") > 1:
        return fnmatch.fnmatchcase(name, pattern)
    head, star, tail = pattern.partition("*")
    if not star:
        return name == pattern
    return len(name) >= len(head) + len(tail) and name.startswith(head) and name.endswith(tail)


def chart_files(chart_dir: Path) -> dict[str, bytes]:
    """The chart's packaged files, relative POSIX path -> content, in sorted order."""
    patterns = _helmignore(chart_dir)
    out: dict[str, bytes] = {}

    def walk(folder: str, prefix: str) -> None:
        with os.scandir(folder) as it:  # DirEntry: its type without a stat per entry (pathlib's cost)
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            rel, is_dir = prefix + entry.name, entry.is_dir()
            if _ignored(rel, is_dir, patterns):
                continue
            if is_dir:
                walk(entry.path, rel + "/")
            elif entry.is_file():
                with open(entry.path, "rb") as fh:
                    out[rel] = fh.read()

    walk(str(chart_dir), "")
    return dict(sorted(out.items()))


def values_yaml(values: dict[str, Any], notes: list[str] | tuple[str, ...] = ()) -> str:
    """The values as YAML (dumped, never templated), after a comment with `notes` when given."""
    head = "".join(f"# {line}\n" for note in notes for line in _wrap(note))
    return head + yamlout.dump(values, sort_keys=False, default_flow_style=False)


def _wrap(text: str) -> list[str]:
    import textwrap

    return textwrap.wrap(text, 100, break_on_hyphens=False) or [""]


def coalesce(defaults_: Any, values: Any) -> Any:
    """Helm's coalescing of user values over chart defaults: maps merge key by key, anything else
    replaces. (Generated values hold no null, so Helm v3 and v4 agree.)"""
    if isinstance(defaults_, dict) and isinstance(values, dict):
        out = dict(defaults_)
        for key, value in values.items():
            out[key] = coalesce(defaults_.get(key), value)
        return out
    return values


def validate_values(values: dict[str, Any], files: dict[str, bytes] | None = None, *,
                    vetted_defaults: dict[str, Any] | None = None) -> None:
    """Check `values`, coalesced with the chart's values.yaml as Helm does, against the chart's own
    values.schema.json; raise ValuesRejected naming each rejected key. Also refuse any null.
    `vetted_defaults`: those files' values.yaml, already checked against that schema (the chart
    cache's, `chart_package.Package`): then only what `values` changes is checked again."""
    import json

    from k3stui.chart_schema import UNKNOWN, check_schema, error_lines, iter_errors

    files = files if files is not None else chart_files(shipped_chart_dir())
    nulls = list(_null_paths(values, ""))
    if nulls:
        raise ValuesRejected(f"generated chart values hold null at {', '.join(nulls)} (a k3stui bug)")
    schema = json.loads(files["values.schema.json"])
    if vetted_defaults is None:
        defaults, valid = safe_load(files["values.yaml"]) or {}, UNKNOWN
        check_schema(schema)
    else:
        defaults = valid = vetted_defaults
    errors = error_lines(iter_errors(schema, coalesce(defaults, values), valid=valid))
    if errors:
        raise ValuesRejected("the k3s-cni chart's values.schema.json rejects the generated values, so Helm "
                             "would fail on the node: " + "; ".join(errors))


def _null_paths(data: Any, path: str) -> Any:
    if data is None:
        yield path or "(top)"
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _null_paths(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _null_paths(value, f"{path}[{i}]")


def package_chart(chart_dir: Path) -> tuple[str, bytes]:
    """(`<name>-<version>.tgz`, bytes) of the chart as it is: its own values.yaml holds the defaults;
    generated values are partial and go beside it (-f values.yaml, or the HelmChart's valuesContent)."""
    return package_files(chart_files(chart_dir))


def auto_deploy_manifest(tgz: bytes, values: dict[str, Any], *, name: str = CHART_NAME,
                         notes: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """The HelmChart for `<data-dir>/server/manifests/`: the packaged chart inline (works air-gapped,
    no repo to host), bootstrap so its Job runs before any CNI exists. The chart keeps its own
    defaults; valuesContent holds only what the plan decides."""
    import binascii

    return _helmchart(binascii.b2a_base64(tgz, newline=False).decode("ascii"), values_yaml(values, notes),
                      name)


def _helmchart(chart_b64: str, values_text: str, name: str = CHART_NAME) -> dict[str, Any]:
    return {
        "apiVersion": "helm.cattle.io/v1",
        "kind": "HelmChart",
        "metadata": {"name": name, "namespace": "kube-system"},
        "spec": {
            "chart": name,
            "chartContent": chart_b64,
            "targetNamespace": "kube-system",
            "bootstrap": True,
            "valuesContent": values_text,
        },
    }


def manifest_text(manifest: dict[str, Any]) -> str:
    """The auto-deploy file: a header saying what it is, then the dumped HelmChart."""
    header = (
        "# Generated by k3stui: the pod network of this cluster, for K3s to auto-deploy at start-up.\n"
        "# K3s applies every file in <data-dir>/server/manifests; this HelmChart installs the packaged\n"
        "# k3s-cni chart (chartContent) with the values in valuesContent. Re-render instead of editing.\n"
        "# Check after install: kubectl -n kube-system get helmcharts\n"
        "#   kubectl -n kube-system logs job/helm-install-k3s-cni   (and the other helm-install-* Jobs)\n"
    )
    return header + yamlout.dump(manifest, sort_keys=False, block_text=True)


def chart_export_files(plan: Plan, *, k3s_version: str | None = None) -> list[RenderedFile]:
    """What `k3stui render` writes for the chart: the chart folder, the generated values, the
    packaged .tgz and the auto-deploy manifest for servers. Nothing when the plan installs nothing
    through the chart (flannel or bring-your-own CNI without Multus)."""
    if not chart_needed(plan):
        return []
    files = chart_files(shipped_chart_dir())
    values = chart_values(plan, k3s_version=k3s_version)
    # The package keeps the chart's own values.yaml (its defaults); the plan's values go beside it.
    package = packaged(files)
    validate_values(values, files, vetted_defaults=package.vetted_defaults)  # before anything is written
    notes = values_notes(plan)
    dest = manifest_dest(plan)
    values_text = values_yaml(values, notes)
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
        content=values_text.encode(),
        description="values for the k3s-cni chart, generated from the plan: only the chosen CNI's "
        "(and Multus's) settings, the chart keeps its defaults "
        "(helm install k3s-cni chart/k3s-cni -n kube-system -f chart/values.yaml)",
    ))
    out.append(RenderedFile(
        path=f"chart/{package.name}",
        dest=None,
        mode=0o644,
        roles=(),
        content=package.tgz,
        description="the packaged chart (its own defaults; use it with -f chart/values.yaml)",
    ))
    manifest = _helmchart(package.b64, values_text)
    out.append(RenderedFile(
        path=f"server{dest}",
        dest=dest,
        mode=0o600,  # K3s reads it as root; it may carry air-gapped chart contents
        roles=("server",),
        content=manifest_text(manifest).encode(),
        description="K3s auto-deploy manifest: installs the pod network at server start-up",
    ))
    return out
