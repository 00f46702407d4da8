"""--merge-into: a user's config.yaml keeps every byte outside the keys that change."""

from __future__ import annotations

import pytest

from k3stui.render.merge import merge_config, unified_diff

COMMENTED = """\
# K3s config, managed by hand -- do not lose me
write-kubeconfig-mode: "0644"   # for the kubectl users
tls-san:
  - foo.example.com   # the load balancer
  - 'bar'
flannel-backend: vxlan  # we tried host-gw once
node-label:
- zone=a
disable: [traefik]    # flow style kept
unknown-future-flag: 42

# commented-out ideas at the end
# cluster-init: true
"""


def test_changed_key_in_place_everything_else_byte_for_byte() -> None:
    new = merge_config(COMMENTED, {"flannel-backend": "host-gw", "tls-san": ["foo.example.com", "bar"]})
    expected = COMMENTED.replace("flannel-backend: vxlan  # we tried host-gw once\n",
                                 "flannel-backend: host-gw # we tried host-gw once\n")
    assert new == expected


def test_new_keys_appended_removed_keys_cut() -> None:
    updates = {"cluster-cidr": ["10.42.0.0/16", "fd00:42::/56"], "flannel-ipv6-masq": True}
    new = merge_config(COMMENTED, updates, removals=["disable", "not-there"])
    assert new == COMMENTED.replace("disable: [traefik]    # flow style kept\n", "") + (
        "cluster-cidr:\n  - 10.42.0.0/16\n  - fd00:42::/56\nflannel-ipv6-masq: true\n")


def test_changed_list_keeps_its_own_indentation() -> None:
    new = merge_config(COMMENTED, {"node-label": ["zone=b"], "tls-san": ["lb.example.com"]})
    assert "node-label:\n- zone=b\n" in new
    assert "tls-san:\n  - lb.example.com\n" in new
    assert new.startswith(COMMENTED.split("tls-san")[0])
    assert new.endswith("unknown-future-flag: 42\n\n# commented-out ideas at the end\n# cluster-init: true\n")


def test_nothing_to_change_returns_the_text_untouched() -> None:
    same = {"flannel-backend": "vxlan", "unknown-future-flag": 42, "tls-san": ["foo.example.com", "bar"]}
    assert merge_config(COMMENTED, same) is COMMENTED


def test_empty_file_and_missing_newline() -> None:
    assert merge_config("", {"a": ["x"], "b": True}) == "a:\n- x\nb: true\n"
    assert merge_config("x: 1", {"y": "2"}) == "x: 1\ny: '2'\n"


def test_not_a_mapping_is_refused() -> None:
    with pytest.raises(ValueError):
        merge_config("- a\n- b\n", {"x": 1})
    with pytest.raises(ValueError):
        merge_config("a: [\n", {"x": 1})


def test_unified_diff() -> None:
    new = merge_config(COMMENTED, {"flannel-backend": "host-gw"})
    diff = unified_diff(COMMENTED, new, "/etc/rancher/k3s/config.yaml")
    assert "-flannel-backend: vxlan" in diff and "+flannel-backend: host-gw" in diff
    assert unified_diff(COMMENTED, COMMENTED, "x") == ""


def test_a_comma_string_and_a_list_are_the_same_setting() -> None:
    text = "cluster-cidr: 10.42.0.0/16,fd00:42::/56   # dual\ndisable: traefik\n"
    new = merge_config(text, {"cluster-cidr": ["10.42.0.0/16", "fd00:42::/56"], "disable": ["traefik"]})
    assert new == text


# --- issue 15 items 5-9: never lose or break the user's config ------------------------------------

import yaml  # noqa: E402

from k3stui.render.merge import MergeRefused, check, merge  # noqa: E402


def _k3s_reads(text: str) -> object:
    """What K3s's YAML (1.1, PyYAML's safe loader) reads from a config file."""
    return yaml.safe_load(text.lstrip("\ufeff"))


def test_keys_the_plan_leaves_unset_stay() -> None:
    text = ("cluster-cidr: 10.42.0.0/16\nservice-cidr: 10.43.0.0/16\ncluster-dns: 10.43.0.10\n"
            "node-ip: 10.0.0.5\n")
    new = merge(text, {"flannel-backend": "host-gw"}).text
    assert new == text + "flannel-backend: host-gw\n"
    agent = "server: https://10.0.0.30:6443\nflannel-iface: ens33\ntoken-file: /etc/t\n"
    assert merge(agent, {"node-ip": ["10.0.0.31"]}).text == agent + "node-ip:\n- 10.0.0.31\n"


def test_a_critical_value_the_file_sets_is_not_changed() -> None:
    text = "cluster-cidr: 10.42.0.0/16\nflannel-backend: vxlan\n"
    with pytest.raises(MergeRefused, match=r"critical.*cluster-cidr is '10\.42\.0\.0/16'.*10\.99\.0\.0/16"):
        merge(text, {"cluster-cidr": ["10.99.0.0/16"]})
    with pytest.raises(MergeRefused, match="flannel-backend"):
        merge(text, {"flannel-backend": "host-gw"})
    # the same value written differently is no change; a critical key the file lacks may be added
    assert merge(text, {"cluster-cidr": ["10.42.0.0/16"], "service-cidr": ["10.43.0.0/16"]}).changed == (
        "service-cidr",)


@pytest.mark.parametrize("text", ["{}\n", "{}", "~\n", "null\n", "", "# only a comment\n", "---\n{}\n"])
def test_an_empty_mapping_in_any_spelling_gets_valid_keys(text: str) -> None:
    new = merge(text, {"flannel-backend": "host-gw", "cluster-cidr": ["10.42.0.0/16"]}).text
    assert _k3s_reads(new) == {"flannel-backend": "host-gw", "cluster-cidr": ["10.42.0.0/16"]}
    assert "{}" not in new and "~" not in new
    if text.startswith("#") or text.startswith("---"):
        assert new.startswith(text.split("{}")[0])


def test_document_end_marker_new_keys_go_before_it() -> None:
    text = "flannel-iface: eth0\n...\n# after the end\n"
    new = merge(text, {"flannel-iface": "ens33", "node-ip": ["10.0.0.5"]}).text
    assert new == "flannel-iface: ens33\nnode-ip:\n- 10.0.0.5\n...\n# after the end\n"
    assert _k3s_reads(new) == {"flannel-iface": "ens33", "node-ip": ["10.0.0.5"]}


def test_crlf_and_bom_are_kept_byte_for_byte() -> None:
    text = "\ufeff# mine\r\nflannel-iface: eth0   # nic\r\ntls-san:\r\n  - a.example\r\nkeep: me\r\n"
    new = merge(text, {"flannel-iface": "ens33", "node-ip": ["10.0.0.5", "fd00::5"]}).text
    assert new == ("\ufeff# mine\r\nflannel-iface: ens33  # nic\r\ntls-san:\r\n  - a.example\r\nkeep: me\r\n"
                   "node-ip:\r\n  - 10.0.0.5\r\n  - fd00::5\r\n")
    assert _k3s_reads(new)["node-ip"] == ["10.0.0.5", "fd00::5"]


def test_bare_cr_line_ends_are_refused() -> None:
    with pytest.raises(MergeRefused, match="bare CR"):
        merge("a: 1\rb: 2\r", {"c": "3"})


def test_a_quoted_value_with_line_separators_is_kept() -> None:
    text = 'node-label:\n- "note=a\u2028b\u2029c"\nflannel-iface: eth0\nlast: "x\u2028"\n'
    new = merge(text, {"flannel-iface": "ens33", "node-name": "n1"}).text
    assert new == text.replace("eth0", "ens33") + "node-name: n1\n"
    assert _k3s_reads(new)["node-label"] == ["note=a\u2028b\u2029c"]


def test_a_new_value_with_line_separators_reads_back() -> None:
    new = merge("a: 1\n", {"node-name": "x\u2028y"}).text
    assert _k3s_reads(new) == {"a": 1, "node-name": "x\u2028y"}


def test_flow_mapping_is_refused_at_once() -> None:
    with pytest.raises(MergeRefused, match="flow mapping"):
        merge("{flannel-backend: vxlan, cluster-cidr: 10.42.0.0/16}\n", {"flannel-iface": "ens33"})


def test_multi_document_is_refused() -> None:
    with pytest.raises(MergeRefused, match="2 YAML documents"):
        merge("a: 1\n---\nb: 2\n", {"c": "3"})


def test_anchor_in_a_replaced_block_is_refused_alias_in_it_is_fine() -> None:
    text = "flannel-iface: &nic eth0\nnode-label:\n- *nic\n"
    with pytest.raises(MergeRefused, match="anchor &nic"):
        merge(text, {"flannel-iface": "ens33"})
    ok = "base: &b eth0\nflannel-iface: *b\n"
    new = merge(ok, {"flannel-iface": "ens33"}).text
    assert new == "base: &b eth0\nflannel-iface: ens33\n"


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    with pytest.raises(MergeRefused, match="alias"):
        merge("\n".join(lines) + "\n", {"flannel-iface": "ens33"})


@pytest.mark.parametrize("text, match", [
    ("a: !!python/object/apply:os.system [echo hi]\n", "cannot be read|constructor"),
    ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply|not valid YAML"),
    ("a: !custom 1\n", "cannot be read|constructor"),
    ("- a\n- b\n", "not a YAML mapping"),
    ("? [a, b]\n: 1\n", "complex key|unhashable"),
])
def test_odd_yaml_is_refused_with_a_message(text: str, match: str) -> None:
    with pytest.raises(MergeRefused, match=match):
        merge(text, {"flannel-iface": "ens33"})


def test_yaml_1_1_words_are_quoted_as_k3s_reads_them() -> None:
    new = merge("a: 1\n", {"node-name": "yes", "write-kubeconfig-mode": "0644", "x": "on"}).text
    assert _k3s_reads(new) == {"a": 1, "node-name": "yes", "write-kubeconfig-mode": "0644", "x": "on"}


def test_check_refuses_text_that_does_not_read_back() -> None:
    with pytest.raises(MergeRefused, match="read back"):
        check("a: yes\n", {"a": "yes"})
    check("a: 'yes'\n", {"a": "yes"})


def test_no_trailing_newline_replace_last_key_and_append() -> None:
    assert merge("a: 1\nb: 2", {"b": "3", "c": "4"}).text == "a: 1\nb: '3'\nc: '4'\n"


def test_duplicate_key_the_last_one_is_changed() -> None:
    new = merge("k: 1\nk: 2\n", {"k": "3"}).text
    assert new == "k: 1\nk: '3'\n" and _k3s_reads(new) == {"k": "3"}


def test_a_comment_after_a_list_key_is_kept() -> None:
    text = "tls-san:   # the load balancers\n  - a.example\nz: 1\n"
    new = merge(text, {"tls-san": ["b.example"]}).text
    assert new == "tls-san:   # the load balancers\n  - b.example\nz: 1\n"


def test_an_indented_document_stays_indented() -> None:
    text = "  a: 1\n  flannel-iface: eth0  # nic\n"
    new = merge(text, {"flannel-iface": "ens33", "node-ip": ["10.0.0.5"]}).text
    assert new == "  a: 1\n  flannel-iface: ens33 # nic\n  node-ip:\n  - 10.0.0.5\n"
    assert _k3s_reads(new) == {"a": 1, "flannel-iface": "ens33", "node-ip": ["10.0.0.5"]}


# --- property: any block config, any update: refused, or exactly right and every other byte kept ---

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_KEYS = ["node-ip", "flannel-iface", "node-label", "tls-san", "node-name", "kubelet-arg"]
_WORDS = st.sampled_from(["a", "yes", "0644", "10.0.0.5", "x: y", "#no", "é", "a\u2028b", "'q'", "1e3", "~"])


@st.composite
def _config(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    keys = draw(st.lists(st.sampled_from(_KEYS), unique=True, max_size=4))
    lines, data = [], {}
    for key in keys:
        if draw(st.booleans()):
            lines.append(f"# about {key}")
        value = draw(st.one_of(_WORDS, st.lists(_WORDS, min_size=1, max_size=3)))
        if isinstance(value, list):
            lines.append(f"{key}:" + draw(st.sampled_from(["", "  # list"])))
            pad = draw(st.sampled_from(["", "  "]))
            lines += [f"{pad}- {yaml.safe_dump(v, width=4096).splitlines()[0]}" for v in value]
        else:
            lines.append(f"{key}: {yaml.safe_dump(value, width=4096).splitlines()[0]}"
                         + draw(st.sampled_from(["", "   # why"])))
        data[key] = value
    text = draw(st.sampled_from(["", "\ufeff"])) + newline.join(lines) + (newline if lines else "")
    return text, data


@settings(max_examples=150, deadline=None)
@given(_config(), st.dictionaries(st.sampled_from(_KEYS), st.one_of(_WORDS, st.lists(_WORDS, min_size=1)),
                                  max_size=3))
def test_merge_is_exact_or_refused(config: tuple[str, dict[str, object]], updates: dict[str, object]) -> None:
    text, _ = config
    try:
        result = merge(text, updates)
    except MergeRefused:
        return
    before = _k3s_reads(text) or {}
    wanted = {**before, **{k: v for k, v in updates.items() if k in result.changed}}
    assert (_k3s_reads(result.text) or {}) == wanted
    assert result.text.startswith("\ufeff") == text.startswith("\ufeff")
    if "\r\n" in text:
        assert "\n" not in result.text.replace("\r\n", "")
    kept = [k for k in before if k not in result.changed]
    for line in text.replace("\r\n", "\n").split("\n"):  # every line of an unchanged key's block stays
        if any(line.startswith(f"{k}:") for k in kept):
            assert line in result.text.replace("\r\n", "\n")
