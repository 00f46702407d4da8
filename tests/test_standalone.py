"""The repository stands alone: nothing the tests, scripts, benchmarks, Makefile or CI run reads a path
outside the checkout (a fresh clone has no sibling folders)."""

from __future__ import annotations

import re
import subprocess

from testkit import REPO, UPSTREAM_SCHEMAS

# A path that leaves the checkout: a parent folder by name, by `..`, or an absolute path into the
# developers' workplace. Citations in prose ("k3s-network.md §8") are not paths and do not match.
_OUTSIDE = re.compile(r"""\.\./shared|/work/|\.parent\s*/\s*["']shared|REPO\.parent|ROOT\.parent""")
_PARENTS = re.compile(r"Path\(__file__\)\.resolve\(\)\.parents\[(\d)\]")
_RUN_BY_THE_SUITE = ("tests", "scripts", "benchmarks", "Makefile", ".ci", "pyproject.toml")


def _tracked(*paths: str) -> list[str]:
    out = subprocess.run(["git", "ls-files", "--", *paths], cwd=REPO, capture_output=True, text=True)
    if out.returncode != 0:  # an sdist without .git: walk the tree instead
        return [str(p.relative_to(REPO)) for top in paths for p in (REPO / top).rglob("*") if p.is_file()]
    return out.stdout.split()


def test_nothing_the_suite_runs_reads_outside_the_checkout() -> None:
    hits = []
    for rel in _tracked(*_RUN_BY_THE_SUITE):
        path = REPO / rel
        if rel.startswith("tests/data/") or path.suffix in {".svg", ".json", ".yaml", ".tgz"}:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if _OUTSIDE.search(line) and "_OUTSIDE" not in line:
                hits.append(f"{rel}:{n}: {line.strip()}")
            for m in _PARENTS.finditer(line):  # a parent of this file must still be inside the repo
                if not path.resolve().parents[int(m.group(1))].is_relative_to(REPO):
                    hits.append(f"{rel}:{n}: {line.strip()}")
    assert not hits, "reads outside the checkout:\n" + "\n".join(hits)


def test_the_package_builds_no_path_outside_itself() -> None:
    hits = [f"{p.relative_to(REPO)}:{n}" for p in (REPO / "k3stui").rglob("*.py")
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if re.search(r"""parent\s*/\s*["']shared|parents\[\d\]\s*/\s*["']shared|["']\.\./shared""", line)]
    assert not hits, hits


def test_upstream_schemas_are_in_the_repo_with_their_provenance() -> None:
    readme = (UPSTREAM_SCHEMAS / "README.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in UPSTREAM_SCHEMAS.iterdir() if p.name != "README.md")
    assert len(files) == 6
    for name in files:
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{name}`")), "")
        assert re.search(r"[0-9a-f]{40}", row), f"{name}: no upstream commit in README.md"
        assert "Apache-2.0" in row, f"{name}: no license in README.md"
