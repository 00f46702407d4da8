"""The k3s-cni chart packaged as a .tgz, and a cache of what `k3stui render` derives from the chart alone.

`package_files` builds the same kind of .tgz `helm package` does (a `k3s-cni/` prefix), but
deterministically: sorted entries, fixed mtime, uid/gid 0, so the manifest only changes when the
chart does. Its bytes depend on nothing but the chart's files and this module, yet building them
(tarfile, gzip and their imports) cost a tenth of a render. chart_package.json beside this module
holds the package (base64, as the HelmChart's chartContent embeds it) and the chart's defaults
(values.yaml, as data, checked against the chart's values.schema.json when the cache was made: the
plan's values are then checked on top of them, `chart.validate_values`), with a fingerprint (CRC-32,
as rule_catalog.json's) of every chart file's path and content and of this module's source. The chart
stays the one source of truth: a cache whose fingerprint does not match the files being packaged, or
that is missing or unreadable, is ignored and everything is built from the files;
tests/test_chart_package.py keeps the shipped cache fresh. Regenerate it with:
python -m k3stui.chart_package
"""

from __future__ import annotations

import binascii
import io
import json
import os
import sys
from typing import Any

CACHE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chart_package.json")
_FIXED_MTIME = 0  # 1970: reproducible archives (helm itself stamps "now")


class Package:
    """A packaged chart: its file name (`<name>-<version>.tgz`), bytes and base64 text. From the cache
    also `vetted_defaults`, the chart's values.yaml as data, valid under its values.schema.json (None:
    not known, the caller loads and checks them)."""

    __slots__ = ("b64", "name", "tgz", "vetted_defaults")

    def __init__(self, name: str, tgz: bytes, b64: str,
                 vetted_defaults: dict[str, Any] | None = None) -> None:
        self.name, self.tgz, self.b64, self.vetted_defaults = name, tgz, b64, vetted_defaults


def chart_meta(files: dict[str, bytes]) -> dict[str, Any]:
    from k3stui.importers.yamlio import safe_load

    meta = safe_load(files["Chart.yaml"])
    if not isinstance(meta, dict) or not meta.get("name") or not meta.get("version"):
        raise ValueError("Chart.yaml needs a name and a version")
    return meta


def package_files(files: dict[str, bytes]) -> tuple[str, bytes]:
    """(`<name>-<version>.tgz`, bytes) of the chart files (`chart.chart_files`), built now."""
    import gzip
    import tarfile

    meta = chart_meta(files)
    buf = io.BytesIO()
    # gzip with mtime 0 and no file name: byte-identical output for identical input.
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=_FIXED_MTIME, compresslevel=6) as gz,
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


def fingerprint(files: dict[str, bytes]) -> str:
    """CRC-32 over this module's source and every chart file's path, size and content: what the
    package's bytes depend on (sha256 cost a fifth of using the cache)."""
    with open(__file__, "rb") as fh:
        crc = binascii.crc32(fh.read())
    for rel, data in sorted(files.items()):
        crc = binascii.crc32(data, binascii.crc32(b"\0%s\0%d\0" % (rel.encode(), len(data)), crc))
    return f"{crc:08x}"


def _cached(files: dict[str, bytes]) -> Package | None:
    try:
        with open(CACHE, encoding="utf-8") as fh:
            data = json.load(fh)
        if data["fingerprint"] != fingerprint(files):
            return None
        b64 = data["base64"]
        tgz = binascii.a2b_base64(b64.encode("ascii"), strict_mode=True)
        if f"{binascii.crc32(tgz):08x}" != data["crc32"] or not isinstance(data["defaults"], dict):
            return None  # a cache file damaged since it was written
        return Package(data["name"], tgz, b64, data["defaults"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        return None


def packaged(files: dict[str, bytes]) -> Package:
    """The chart files packaged: from the cache while it was made from these very files, else
    built now."""
    hit = _cached(files)
    if hit is not None:
        return hit
    name, tgz = package_files(files)
    return Package(name, tgz, binascii.b2a_base64(tgz, newline=False).decode("ascii"))


def vetted_defaults(files: dict[str, bytes]) -> dict[str, Any]:
    """The chart's values.yaml as data, after checking that its values.schema.json uses only what
    `chart_schema` implements and accepts them (raise ValueError if not: the chart is broken) and
    that JSON holds them exactly."""
    from k3stui.chart_schema import check_schema, error_lines, iter_errors
    from k3stui.importers.yamlio import safe_load

    defaults = safe_load(files["values.yaml"]) or {}
    schema = json.loads(files["values.schema.json"])
    check_schema(schema)
    errors = error_lines(iter_errors(schema, defaults))
    if not isinstance(defaults, dict) or errors:
        raise ValueError(f"the chart's values.yaml fails its values.schema.json: {'; '.join(errors)}")
    try:
        exact = json.loads(json.dumps(defaults)) == defaults
    except TypeError:  # a date, a set
        exact = False
    if not exact:
        raise ValueError("the chart's values.yaml holds data JSON cannot hold (a non-string key, a date)")
    return defaults


def cache_text(files: dict[str, bytes]) -> str:
    """The cache for these chart files, built now."""
    name, tgz = package_files(files)
    return json.dumps({"fingerprint": fingerprint(files), "name": name, "crc32": f"{binascii.crc32(tgz):08x}",
                       "defaults": vetted_defaults(files),
                       "base64": binascii.b2a_base64(tgz, newline=False).decode("ascii")}, indent=1) + "\n"


def main(argv: list[str]) -> int:
    from k3stui.chart import chart_files
    from k3stui.resources import chart_dir

    text = cache_text(chart_files(chart_dir()))
    if argv == ["--print"]:
        sys.stdout.write(text)
    else:
        with open(CACHE, "w", encoding="utf-8") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":  # python -m k3stui.chart_package [--print]
    sys.exit(main(sys.argv[1:]))
