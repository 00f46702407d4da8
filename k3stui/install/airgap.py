"""Air-gapped bundles: their layout, checksum verification, and the pure embedding of upstream
chart archives into the k3s-cni HelmChart through `chartContent`.

Layout of a bundle folder (made by `k3stui bundle`, read by `k3stui install --airgap`):

    plan.yaml  README.md  SHA256SUMS  bundle.json
    files/<role>/...                       rendered files (copies for people; install re-renders)
    charts/k3s-cni-<v>.tgz, <upstream>.tgz  packaged chart and upstream chart archives
    artifacts/k3s  artifacts/install.sh  artifacts/k3s-airgap-images-<arch>.tar.zst
"""

from __future__ import annotations

import base64
import io
import re
import tarfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from k3stui import fsio

SUMS = "SHA256SUMS"
PLAN_FILE = "plan.yaml"
ARTIFACTS = "artifacts"
CHARTS = "charts"
FILES = "files"
BINARY = "k3s"
INSTALL_SH = "install.sh"
IMAGES_RE = re.compile(r"^k3s-airgap-images-(?P<arch>[a-z0-9_]+)\.tar(?:\.zst|\.gz)?$")
# uname -m -> the arch K3s names its image archives with.
ARCH_NAMES = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "s390x": "s390x", "riscv64": "riscv64"}


@dataclass(frozen=True)
class ChartArchive:
    name: str
    version: str
    rel: str  # path inside the bundle
    content: bytes = field(repr=False, default=b"")


@dataclass(frozen=True)
class Bundle:
    path: str
    binary: str | None = None  # absolute paths of verified artifacts
    install_script: str | None = None
    images: tuple[str, ...] = ()
    charts: tuple[ChartArchive, ...] = ()
    plan_file: str | None = None
    sums: dict[str, str] = field(default_factory=dict)  # verified: path in bundle -> sha256
    problems: tuple[str, ...] = ()  # missing or corrupt artifacts: nothing may be changed

    @property
    def image_arches(self) -> tuple[str, ...]:
        return tuple(m.group("arch") for m in (IMAGES_RE.match(Path(p).name) for p in self.images) if m)


# --- reading a bundle (I/O, read-only) --------------------------------------------------------


def parse_sums(text: str) -> dict[str, str]:
    """`sha256sum` output ("<hex>  <path>", "*" for binary mode) -> {path: hex}."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^([0-9a-fA-F]{64}) [ *](.+)$", line.strip())
        if m:
            out[m.group(2)] = m.group(1).lower()
    return out


def format_sums(sums: Mapping[str, str]) -> str:
    return "".join(f"{h}  {p}\n" for p, h in sorted(sums.items()))


def load_bundle(directory: str | Path) -> Bundle:
    """Verify every checksum and find the artifacts. Never raises for a bad bundle: every
    problem is named in `problems` so the installer can refuse before changing anything."""
    d = Path(directory)
    problems: list[str] = []
    if not d.is_dir():
        return Bundle(str(d), problems=(f"{d} is not a folder (make one with 'k3stui bundle')",))
    sums_path = d / SUMS
    if not sums_path.is_file():
        return Bundle(str(d), problems=(f"{sums_path} is missing: the bundle cannot be verified",))
    try:
        sums = parse_sums(sums_path.read_text(encoding="utf-8", errors="replace"))
    except OSError as exc:
        return Bundle(str(d), problems=(f"{sums_path} cannot be read ({exc.strerror or exc}): run as root",))
    ok: set[str] = set()
    for rel, want in sums.items():
        p = d / rel
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            problems.append(f"{SUMS} names a path outside the bundle: {rel!r}")
        elif not p.is_file():
            problems.append(f"{rel} is listed in {SUMS} but missing")
        elif (got := _sha256(p)) is None:
            problems.append(f"{rel} cannot be read: run as root, or copy the bundle again")
        elif got != want:
            problems.append(f"{rel} is corrupt: its SHA-256 does not match {SUMS}")
        else:
            ok.add(rel)
    # Artifacts present but not listed were never verified: refuse them too.
    for sub in (ARTIFACTS, CHARTS):
        for p in sorted((d / sub).glob("*")) if (d / sub).is_dir() else []:
            rel = f"{sub}/{p.name}"
            if p.is_file() and rel not in sums:
                problems.append(f"{rel} is not listed in {SUMS}: it cannot be verified")
    binary = f"{ARTIFACTS}/{BINARY}"
    script = f"{ARTIFACTS}/{INSTALL_SH}"
    images = sorted(r for r in ok if r.startswith(f"{ARTIFACTS}/") and IMAGES_RE.match(r.split("/", 1)[1]))
    for rel, what in ((binary, "the k3s binary"), (script, "the K3s install.sh")):
        if rel not in sums:
            problems.append(f"{rel} ({what}) is missing from the bundle")
    if not any(IMAGES_RE.match(r.split("/", 1)[-1]) for r in sums if r.startswith(f"{ARTIFACTS}/")):
        problems.append(
            f"{ARTIFACTS}/k3s-airgap-images-<arch>.tar.zst (the K3s images) is missing from the bundle"
        )
    charts = []
    for rel in sorted(r for r in ok if r.startswith(f"{CHARTS}/") and r.endswith(".tgz")):
        content = (d / rel).read_bytes()
        meta = chart_meta(content)
        if meta is None:
            problems.append(f"{rel} is not a Helm chart archive (no Chart.yaml inside)")
            continue
        charts.append(ChartArchive(meta[0], meta[1], rel, content))
    plan_file = d / PLAN_FILE
    return Bundle(
        path=str(d),
        binary=str(d / binary) if binary in ok else None,
        install_script=str(d / script) if script in ok else None,
        images=tuple(str(d / r) for r in images),
        charts=tuple(charts),
        plan_file=str(plan_file) if plan_file.is_file() else None,
        sums={r: sums[r] for r in sorted(ok)},
        problems=tuple(problems),
    )


def _sha256(path: Path) -> str | None:
    try:
        return fsio.sha256_file(path)
    except OSError:
        return None


# --- pure helpers -------------------------------------------------------------------------------


def chart_meta(tgz: bytes) -> tuple[str, str] | None:
    """(name, version) from the top-level Chart.yaml of a chart archive."""
    import yaml

    try:
        with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:*") as tar:
            for member in tar:
                parts = member.name.split("/")
                if len(parts) == 2 and parts[1] == "Chart.yaml" and member.isfile():
                    fh = tar.extractfile(member)
                    data = yaml.safe_load(fh.read()) if fh else None
                    if isinstance(data, dict) and data.get("name"):
                        return str(data["name"]), str(data.get("version", ""))
    except (tarfile.TarError, OSError, EOFError, yaml.YAMLError):
        return None
    return None


def classify(name: str) -> str | None:
    """What a file from --artifacts is: binary, install-script, images, chart; None: not ours."""
    if name == BINARY:
        return "binary"
    if name == INSTALL_SH:
        return "install-script"
    if IMAGES_RE.match(name):
        return "images"
    if name.endswith(".tgz"):
        return "chart"
    return None


def _v(version: str) -> str:
    return version.strip().removeprefix("v")


@dataclass(frozen=True)
class ChartRef:
    path: tuple[str, ...]  # where in the k3s-cni values: ("cilium", "chart")
    name: str
    version: str  # effective, as the k3s-cni chart resolves an empty CRD chart version


def needed_charts(values: Mapping[str, Any]) -> list[ChartRef]:
    """The upstream charts the k3s-cni chart will install for these values (mirrors
    templates/{cilium,calico,multus}.yaml: CRD charts only from the versions that split them)."""
    from k3stui.render.chart_values import chart_version_at_least as _at_least

    out: list[ChartRef] = []

    def ref(comp: str, key: str, default_version: str = "") -> ChartRef | None:
        c = ((values.get(comp) or {}).get(key)) or {}
        if not c.get("name"):
            return None
        return ChartRef((comp, key), str(c["name"]), str(c.get("version") or default_version))

    cni = values.get("cni")
    if cni == "cilium" and (r := ref("cilium", "chart")):
        out.append(r)
    if cni == "calico" and (r := ref("calico", "chart")):
        out.append(r)
        if _at_least(r.version, "3.32.0") and (crd := ref("calico", "crdChart", r.version)):
            out.append(crd)
    multus = values.get("multus") or {}
    if multus.get("enabled") and (r := ref("multus", "chart")):
        out.append(r)
        if multus.get("whereabouts") and _at_least(r.version, "4.3.009"):
            crd = ref("multus", "crdChart", _v(r.version))
            if crd:
                out.append(crd)
    return out


def _match(ref: ChartRef, archives: Iterable[ChartArchive]) -> ChartArchive | None:
    same = [a for a in archives if a.name == ref.name]
    if ref.version:
        same = [a for a in same if _v(a.version) == _v(ref.version)]
    return same[0] if len(same) == 1 or (same and ref.version) else None


def embed_charts(
    values: Mapping[str, Any], archives: Iterable[ChartArchive]
) -> tuple[dict[str, Any], list[str]]:
    """Values with `chartContent` set for every needed upstream chart; and the names of those the
    archives lack ("cilium 1.20.0"). Pure: returns a new dict."""
    import copy

    archives = list(archives)
    out = copy.deepcopy(dict(values))
    missing = []
    for ref in needed_charts(values):
        found = _match(ref, archives)
        node = out
        for part in ref.path:
            node = node.setdefault(part, {})
        if node.get("chartContent"):
            continue  # already embedded
        if found is None:
            missing.append(f"{ref.name} {ref.version or '(any version)'}".strip())
            continue
        node["chartContent"] = base64.b64encode(found.content).decode("ascii")
    return out, missing


def embed_in_manifest(manifest: bytes, archives: Iterable[ChartArchive]) -> tuple[bytes, list[str]]:
    """Embed upstream charts into every HelmChart of an auto-deploy manifest whose values are
    k3s-cni values (`spec.valuesContent` YAML or `spec.values`). Other documents pass unchanged."""
    import yaml

    from k3stui import yamlout
    from k3stui.chart import values_yaml

    archives = list(archives)
    docs = list(yaml.safe_load_all(manifest.decode("utf-8")))
    missing: list[str] = []
    changed = False
    for doc in docs:
        if not isinstance(doc, dict) or doc.get("kind") != "HelmChart":
            continue
        spec = doc.get("spec") or {}
        if isinstance(spec.get("values"), dict) and "cni" in spec["values"]:
            spec["values"], miss = embed_charts(spec["values"], archives)
            missing += miss
            changed = True
        elif isinstance(spec.get("valuesContent"), str):
            values = yaml.safe_load(spec["valuesContent"]) or {}
            if isinstance(values, dict) and "cni" in values:
                values, miss = embed_charts(values, archives)
                spec["valuesContent"] = values_yaml(values)  # as chart.auto_deploy_manifest wrote it
                missing += miss
                changed = True
    if not changed:
        return manifest, []
    text = yamlout.dump_all(docs, sort_keys=False, explicit_start=True, block_text=True)
    return text.encode("utf-8"), missing
