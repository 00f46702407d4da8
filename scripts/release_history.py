#!/usr/bin/env python3
"""Regenerate k3stui/release_history.py: every K3s server and agent flag and every packaged
manifest, with the releases each appeared and went in, read from a K3s git checkout you name.

For each release it reads `pkg/cli/cmds/*.go` at that commit and collects the flags of the
`server` and `agent` commands (inline `cli.XFlag{...}` literals and the package variables the flag
lists name, hidden flags included; urfave v1 `Name: "token,t"` and v2 `Aliases` both understood),
and lists `manifests/` (the packaged components `disable:` names by file or folder name).

Releases come from SOURCES, each `GITDIR`, `GITDIR:BRANCH` or `GITDIR:BRANCH:MAJOR.MINOR`:
  GITDIR         its tags vMAJOR.MINOR.PATCH+k3s1 (a k3s-io/k3s clone has them all);
  GITDIR:BRANCH  for a copy without tags: the commits on BRANCH's first-parent history where go.mod
                 first requires k8s.io/kubernetes vX.Y.Z are taken as vX.Y.Z+k3s1: its tag lies
                 between that bump and the next one (K3s bumps Kubernetes late in a release), so
                 what it has is read at the end of that window (at most TAG_DAYS after the
                 bump), and a flag or manifest that came or went inside it is listed in UNSURE;
                 with MAJOR.MINOR, only that line's releases (a fork's release branch may carry
                 merges of other lines).
A release found in several sources is read from the first one. Stdlib and git only.

  python scripts/release_history.py --since v1.19.1 ~/src/k3s > k3stui/release_history.py

The table shipped was made from copies without tags for the newer lines, so:
  python scripts/release_history.py --since v1.19.1 OLD_CLONE NEW:release-1.33:1.33 \
      NEW:release-1.34:1.34 NEW:release-1.35:1.35 NEW:release-1.36:1.36 FORK:release-1.26:1.26 \
      FORK:release-1.29:1.29 FORK:release-1.32:1.32 NEW:main
with OLD_CLONE's tags for v1.19.1 ... v1.23.3 and branch bumps after.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

TAG_DAYS = 14  # K3s tags a release within about two weeks of its Kubernetes bump
_TAG = re.compile(r"^v(\d+)\.(\d+)\.(\d+)\+k3s1$")
_KUBE = re.compile(r"^\s*k8s\.io/kubernetes v(\d+)\.(\d+)\.(\d+)\b", re.M)
_FLAG_LIT = re.compile(r"&?cli\.(\w+)Flag\s*\{")
_VAR = re.compile(r"\b([A-Za-z_]\w*)\s*=\s*&?cli\.(\w+)Flag\s*\{")
_LIST_VAR = re.compile(r"\b([A-Za-z_]\w*)\s*=\s*\[\]cli\.Flag\s*\{")
_KINDS = {"StringSlice": "list", "Bool": "bool", "BoolT": "bool", "Int": "int", "Int64": "int",
          "Duration": "str", "String": "str", "Generic": "str", "Uint": "int"}

Version = tuple[int, int, int]


def git(gitdir: str, *args: str, check: bool = True) -> Any:
    """git's stdout; with check=False, its exit status."""
    run = subprocess.run(["git", f"--git-dir={gitdir}", *args], capture_output=True, text=True, check=check)
    return run.stdout if check else run.returncode


def _block(text: str, start: int) -> str:
    """The text inside the braces opening at or after `start` (Go strings skipped)."""
    i = text.index("{", start)
    depth, j, quote = 0, i, ""
    while j < len(text):
        c = text[j]
        if quote:
            if c == "\\" and quote == '"':
                j += 1
            elif c == quote:
                quote = ""
        elif c in "\"`":
            quote = c
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return text[i + 1 : j]
        j += 1
    raise ValueError("unbalanced braces")


def _items(body: str) -> Iterator[str]:
    """Top-level comma-separated items of a composite literal body."""
    depth, quote, cur = 0, "", []
    for line in body.splitlines():
        if line.strip().startswith("//") and depth == 0:
            continue
        for c in line + "\n":
            if quote:
                quote = "" if c == quote else quote
            elif c in "\"`":
                quote = c
            elif c in "{([":
                depth += 1
            elif c in "})]":
                depth -= 1
            if c == "," and depth == 0 and not quote:
                yield "".join(cur).strip()
                cur = []
            else:
                cur.append(c)
    if "".join(cur).strip():
        yield "".join(cur).strip()


def _names(kind: str, body: str) -> tuple[str, str] | None:
    m = re.search(r'\bName:\s*"([^"]+)"', body)
    if not m:
        return None
    return m.group(1).split(",")[0].strip(), _KINDS.get(kind, "str")


def _command_flags(src: str, command: str, lists: dict[str, str],
                   variables: dict[str, tuple[str, str]]) -> dict[str, str]:
    m = re.search(r"cli\.Command\s*\{\s*Name:\s*\"" + command + r"\"", src)
    if not m:
        raise ValueError(f"no {command} command")
    body = _block(src, m.start())
    fm = re.search(r"\bFlags:\s*", body)
    if fm is None:
        raise ValueError(f"{command}: no Flags")
    rest = body[fm.end():]
    if rest.startswith("[]cli.Flag"):
        items = _block(rest, 0)
    else:
        ident = re.match(r"\w+", rest)
        if ident is None or ident.group(0) not in lists:
            raise ValueError(f"{command}: Flags is {rest[:40]!r}")
        items = lists[ident.group(0)]
    out: dict[str, str] = {}
    for item in _items(items):
        lit = _FLAG_LIT.match(item)
        got = _names(lit.group(1), _block(item, 0)) if lit else variables.get(item.lstrip("&").strip())
        if got is None:
            raise ValueError(f"{command}: cannot resolve flag {item[:60]!r}")
        out[got[0]] = got[1]
    return out


def manifests_at(gitdir: str, ref: str) -> set[str]:
    """The packaged manifests at `ref`: K3s's deploy controller matches `disable` items against a
    file's name without its extension, or a folder's name (pkg/deploy/controller.go)."""
    names = git(gitdir, "ls-tree", "--name-only", f"{ref}:manifests").split()
    return {re.sub(r"\.(ya?ml|json)$", "", n) for n in names}


def flags_at(gitdir: str, ref: str) -> tuple[dict[str, str], dict[str, str]]:
    """(server flags, agent flags) at `ref`: name -> kind."""
    files = [f for f in git(gitdir, "ls-tree", "--name-only", f"{ref}:pkg/cli/cmds").split()
             if f.endswith(".go") and not f.endswith("_test.go")]
    src = "\n".join(git(gitdir, "show", f"{ref}:pkg/cli/cmds/{f}") for f in files)
    variables = {}
    for m in _VAR.finditer(src):
        got = _names(m.group(2), _block(src, m.end() - 1))
        if got:
            variables[m.group(1)] = got
    lists = {m.group(1): _block(src, m.end() - 1) for m in _LIST_VAR.finditer(src)}
    return (_command_flags(src, "server", lists, variables), _command_flags(src, "agent", lists, variables))


def releases(source: str, since: Version) -> Iterator[tuple[Version, str, str, str]]:
    """(release, gitdir, first commit it may be, last commit it may be): a tag is both; a Kubernetes
    bump stands for the release from the bump to the commit before the next bump."""
    gitdir, _, branch = source.partition(":")
    branch, _, only = branch.partition(":")  # GITDIR:BRANCH:1.26 reads only that minor line
    line = tuple(int(x) for x in only.split(".")) if only else None
    if not branch:
        for tag in git(gitdir, "tag").split():
            m = _TAG.match(tag)
            if m and tuple(map(int, m.groups())) >= since:
                yield tuple(map(int, m.groups())), gitdir, tag, tag  # type: ignore[misc]
        return
    bumps: list[tuple[Version, str]] = []
    commits = git(gitdir, "rev-list", "--first-parent", "--reverse", branch, "--", "go.mod").split()
    for commit in commits:
        m = _KUBE.search(git(gitdir, "show", f"{commit}:go.mod"))
        v: Version = tuple(map(int, m.groups())) if m else (0, 0, 0)  # type: ignore[assignment]
        if not bumps or v != bumps[-1][0]:
            bumps.append((v, commit))
    seen: set[Version] = set()
    for i, (v, commit) in enumerate(bumps):
        if v >= since and v not in seen and (line is None or v[:2] == line):
            seen.add(v)
            following = bumps[i + 1][1] if i + 1 < len(bumps) else None
            yield v, gitdir, commit, _window_end(gitdir, branch, commit, following)


def _window_end(gitdir: str, branch: str, bump: str, next_bump: str | None) -> str:
    """The last commit the release's tag can be on: before the next bump, and at most TAG_DAYS
    after this one (a release is tagged within days of its Kubernetes bump)."""
    when = int(git(gitdir, "show", "-s", "--format=%ct", bump).strip()) + TAG_DAYS * 86400
    end = git(gitdir, "rev-list", "-1", "--first-parent", f"--before={when}", branch).strip()
    if next_bump is None:
        return end
    stop = f"{next_bump}^1"
    later = git(gitdir, "merge-base", "--is-ancestor", stop, end, check=False)
    return stop if later == 0 else end


def _v(v: Version) -> str:
    return f"v{v[0]}.{v[1]}.{v[2]}+k3s1"


HEADER = '''"""Generated by scripts/release_history.py from K3s at each release; do not edit.

FLAG_HISTORY: every flag of the `server` and `agent` commands (pkg/cli/cmds, hidden ones too)
from v1.19 on: its kind and where it is valid (server: server only; agent: both commands;
agent-only: the agent command only). MANIFEST_HISTORY: the packaged manifests (manifests/, a
file's name without its extension, or a folder's). Each with, per minor line, the releases read
where it appeared and where it went.
"""
'''


def _gates(present: list[bool], order: list[Version]) -> tuple[list[Version], list[Version]]:
    """Per minor line, the first release where the flag appears / disappears. A line that starts
    as the older lines left it is not listed (how versions.Gate reads a list of releases)."""
    added: list[Version] = []
    removed: list[Version] = []
    state = False  # what the gates listed so far say for a line not listed
    for line in sorted({v[:2] for v in order}):
        cur = state
        for v, p in [(v, p) for v, p in zip(order, present, strict=True) if v[:2] == line]:
            if p and not cur:
                added.append(v)
            elif cur and not p:
                removed.append(v)
            cur = p
        state = cur
    return added, removed


def _tuple(vs: list[Version]) -> str:
    inner = ", ".join(f'"{_v(v)}"' for v in vs)
    return f"({inner},)" if len(vs) == 1 else f"({inner})"


def _wrap(items: list[str]) -> None:
    line = "   "
    for item in items:
        if len(line) + len(item) + 1 > 110:
            print(line)
            line = "   "
        line += " " + item
    print(line)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sources", nargs="+", metavar="GITDIR[:BRANCH]")
    ap.add_argument("--since", default="v1.19.0", help="oldest release to read (default v1.19.0)")
    args = ap.parse_args()
    since: Version = tuple(int(x) for x in args.since.lstrip("v").split("+")[0].split("."))  # type: ignore
    found: dict[Version, tuple[str, str, str]] = {}
    for source in args.sources:
        for v, gitdir, first, last in releases(source, since):
            found.setdefault(v, (gitdir, first, last))
    # Per release: what it has for sure (at both ends of its window) and what it may have.
    table: dict[Version, tuple[dict[str, str], dict[str, str]]] = {}
    manifests: dict[Version, set[str]] = {}
    unsure: dict[Version, set[str]] = {}
    for v in sorted(found):
        gitdir, first, last = found[v]
        try:
            refs = dict.fromkeys((first, last))
            ends = [(flags_at(gitdir, ref), manifests_at(gitdir, ref)) for ref in refs]
        except (ValueError, subprocess.CalledProcessError) as exc:
            print(f"{_v(v)} ({first}): skipped: {exc}", file=sys.stderr)
            continue
        (server, agent), names = ends[-1]
        table[v], manifests[v] = (server, agent), names
        lo_server, lo_agent = ends[0][0]
        unsure[v] = ({*server, *agent} ^ {*lo_server, *lo_agent}) | (names ^ ends[0][1])
    order = sorted(table)
    kinds: dict[str, tuple[str, str]] = {}
    for v in order:
        server, agent = table[v]
        for name, kind in {**server, **agent}.items():
            kinds[name] = (kind, "agent" if name in agent and name in server else
                           "server" if name in server else "agent-only")
    print(HEADER)
    print("# The releases read, oldest first: a minor line's patches after its last one here are unknown.")
    print("RELEASES = (")
    _wrap([f'"{_v(v)}",' for v in order])
    print(")\n")
    print("# name: (kind, scope, releases where it appeared, releases where it went), per minor line")
    print("# (versions.flag_state reads them).")
    print("FLAG_HISTORY: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {")
    for name in sorted(kinds):
        added, removed = _gates([name in table[v][0] or name in table[v][1] for v in order], order)
        kind, scope = kinds[name]
        row = f'    "{name}": ("{kind}", "{scope}", {_tuple(added)}, {_tuple(removed)}),'
        if len(row) > 110:
            parts = (f'"{kind}", "{scope}",', f"{_tuple(added)},", f"{_tuple(removed)},")
            row = f'    "{name}": (\n' + "".join(f"        {part}\n" for part in parts) + "    ),"
        print(row)
    print("}\n")
    print("# name: (releases where it appeared, releases where it went), per minor line.")
    print("MANIFEST_HISTORY: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {")
    for name in sorted(set().union(*manifests.values())):
        added, removed = _gates([name in manifests[v] for v in order], order)
        print(f'    "{name}": ({_tuple(added)}, {_tuple(removed)}),')
    print("}\n")
    print("# Releases read from a Kubernetes bump, not a tag, where the name came or went between the bump")
    print("# and the next one: the tag may or may not have it (versions reads them as unknown).")
    print("UNSURE: dict[str, tuple[str, ...]] = {")
    for name in sorted(set().union(*unsure.values())):
        print(f'    "{name}": {_tuple([v for v in order if name in unsure[v]])},')
    print("}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
