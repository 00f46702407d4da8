"""Property tests: whatever text a user feeds the importers, the only exception is InputError."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from k3stui import flags
from k3stui.findings import Finding, InputError
from k3stui.importers import build_plan
from k3stui.importers.exec_string import parse_exec
from k3stui.importers.netconf import apply_netconf
from k3stui.plan import Plan
from k3stui.presets import load_preset_text

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

flag_names = st.sampled_from([*sorted(flags.FLAGS), "cluster-cdir", "x", "", "token"])
values = st.one_of(st.text(max_size=12), st.sampled_from(["true", "false", "10.42.0.0/16", "a,b", "'", '"']))
flag_word = st.builds(
    lambda dashes, name, sep, value: f"{dashes}{name}{sep}{value}",
    st.sampled_from(["--", "-", "---"]),
    flag_names,
    st.sampled_from(["=", " ", ""]),
    values,
)
exec_strings = st.one_of(
    st.text(max_size=60),
    st.lists(
        st.one_of(flag_word, st.sampled_from(["server", "agent", "-i", "-t", "stray", "K3S_URL=x"])),
        max_size=8,
    ).map(" ".join),
)

yamlish = st.one_of(
    st.text(max_size=80),
    st.lists(
        st.tuples(
            st.one_of(flag_names, flag_names.map(lambda n: n + "+")),
            st.sampled_from(
                [
                    "",
                    " x",
                    " [a, b]",
                    " {a: 1}",
                    " true",
                    " 5",
                    " &a [*a]",
                    " !!binary x",
                    " 2024-13-45",
                    " [",
                    " '",
                    " ~",
                    " - a",
                    " !!float q",
                ]
            ),
        ),
        max_size=6,
    ).map(lambda kv: "\n".join(f"{k}:{v}" for k, v in kv)),
)

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
json_values = st.recursive(
    json_scalars,
    lambda c: (
        st.lists(c, max_size=3)
        | st.dictionaries(
            st.sampled_from(["Type", "type", "Backend", "Network", "EnableIPv6", "MTU", "VNI", "Port", "x"]),
            c,
            max_size=4,
        )
    ),
    max_leaves=10,
)


def _ok(result: tuple[Plan, list[Finding]]) -> None:
    plan, findings = result
    assert isinstance(plan, Plan)
    assert all(isinstance(f, Finding) for f in findings)


@SETTINGS
@given(exec_strings)
def test_exec_strings_never_raise_anything_but_input_error(text: str) -> None:
    try:
        parse_exec(text)
        _ok(build_plan(exec_flags=text))
    except InputError:
        pass


@SETTINGS
@given(yamlish, yamlish)
def test_config_texts_never_raise_anything_but_input_error(first: str, second: str) -> None:
    try:
        _ok(build_plan(configs=[("a.yaml", first), ("b.yaml", second)]))
    except InputError as exc:
        assert str(exc).startswith(("a.yaml", "b.yaml"))


@SETTINGS
@given(st.one_of(st.text(max_size=80), json_values.map(json.dumps)))
def test_netconf_texts_never_raise_anything_but_input_error(text: str) -> None:
    try:
        _ok(apply_netconf(Plan(), text, "n.json", backend_flag="vxlan"))
    except InputError as exc:
        assert str(exc).startswith("n.json")


@SETTINGS
@given(yamlish)
def test_preset_texts_never_raise_anything_but_input_error(text: str) -> None:
    try:
        load_preset_text(text, "p.yaml")
    except InputError as exc:
        assert str(exc).startswith("p.yaml")


@SETTINGS
@given(st.lists(st.sampled_from(["10.0.0.1", "fd00::1", "10.0.0.2"]), min_size=1, max_size=4))
def test_cli_list_appends_to_config_list(ips: list[str]) -> None:
    exec_flags = " ".join(f"--node-ip={ip}" for ip in ips)
    plan, _ = build_plan(configs=[("c.yaml", "node-ip: [192.0.2.1, 192.0.2.2]\n")], exec_flags=exec_flags)
    assert plan.node_ip == ("192.0.2.1", "192.0.2.2", *ips)
