"""`k3stui preset list | show NAME | validate FILE | import ...`."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from k3stui import exit_codes
from k3stui.findings import Finding, InputError, has_errors, sort_findings, warning
from k3stui.records import replace
from k3stui.report import print_findings


def run(args: argparse.Namespace) -> int:
    action = {"list": _list, "show": _show, "validate": _validate, "import": _import}
    return action[args.preset_command](args)


def _list(args: argparse.Namespace) -> int:
    from k3stui import presets

    rows = [(p.name, p.description) for p in (presets.load_shipped(n) for n in presets.shipped_names())]
    width = max((len(name) for name, _ in rows), default=4)
    print(f"{'NAME':<{width}}  DESCRIPTION")
    for name, description in rows:
        print(f"{name:<{width}}  {description}")
    return exit_codes.OK


def _show(args: argparse.Namespace) -> int:
    from k3stui import presets
    from k3stui.inputs import read_text

    sys.stdout.write(read_text(presets.shipped_path(args.name), "preset file"))
    return exit_codes.OK


def _schema_problems(data: Any) -> list[str]:
    import jsonschema

    from k3stui.presets import preset_schema

    validator = jsonschema.Draft202012Validator(preset_schema())
    out = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        where = ".".join(str(p) for p in err.absolute_path) or "(top)"
        out.append(f"{where}: {err.message}")
    return out


def _validate(args: argparse.Namespace) -> int:
    from k3stui import presets
    from k3stui.importers.yamlio import load_yaml
    from k3stui.inputs import read_text

    text = read_text(args.file, "preset file")
    data = load_yaml(text, args.file)  # not YAML at all: InputError, exit 2
    try:
        preset = presets.load_preset_text(text, args.file)
    except InputError as exc:
        print(f"k3stui: {exc}", file=sys.stderr)
        return exit_codes.FINDINGS
    schema = _schema_problems(data)
    if schema:  # the loader and the schema come from the same dataclasses; say so if they drift
        print(f"k3stui: {args.file}: does not match {presets.SCHEMA_FILE}:", file=sys.stderr)
        for line in schema:
            print(f"  {line}", file=sys.stderr)
        return exit_codes.FINDINGS
    from k3stui.rules import evaluate

    found = evaluate(preset.plan, k3s_version=args.k3s_version or preset.plan.k3s_version)[1]
    print_findings(found)
    return exit_codes.FINDINGS if has_errors(found) else exit_codes.OK




def _import(args: argparse.Namespace) -> int:
    from k3stui import fsio, presets
    from k3stui.inputs import plan_from_args_namespace

    if not re.match(presets.NAME_PATTERN, args.name):
        raise InputError(f"--name {args.name!r}: use lower case letters, digits and dashes, "
                         "e.g. --name my-cluster")
    if args.out and not args.force:
        from pathlib import Path

        if Path(args.out).exists():
            raise InputError(f"{args.out}: exists; pass --force to replace it or choose another --out")
    from k3stui.secrets import plan_secrets

    plan, found = plan_from_args_namespace(args)
    values = plan_secrets(plan)
    secrets = presets.secrets_in(plan)
    if secrets:
        found.append(_dropped(secrets))
    found = sort_findings(found)
    if found:
        print_findings(found, sys.stderr, secrets=values)
    if has_errors(found):
        print("k3stui: the inputs have errors; no preset written. Fix them and run again.", file=sys.stderr)
        return exit_codes.FINDINGS
    captured = plan  # validated as given: a dropped token was still there
    plan = replace(plan, token=None, extra={k: v for k, v in plan.extra.items() if k not in secrets})
    preset = presets.Preset(args.name, args.description, plan)
    text = presets.dump_preset(preset)
    presets.load_preset_text(text, "<generated>")  # never write a preset k3stui cannot read back
    if args.out:
        fsio.atomic_write(args.out, text.encode("utf-8"))
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    # The preset is an exact capture of what the user has; the rules still say what is wrong with it.
    from k3stui.rules import evaluate

    rule_found = evaluate(captured, k3s_version=args.k3s_version)[1]
    if has_errors(rule_found):
        print_findings(rule_found, sys.stderr, secrets=values)
        print("k3stui: the imported plan has errors (above); edit the preset, then "
              "'k3stui preset validate FILE'.", file=sys.stderr)
        return exit_codes.FINDINGS
    return exit_codes.OK


def _dropped(secrets: list[str]) -> Finding:
    return warning(
        "PRESET001", secrets[0], f"the inputs hold {', '.join(secrets)}; it was dropped: "
        "a preset never stores a secret",
        hint="put the token in a file on every node and set token-file: /path/to/file")

