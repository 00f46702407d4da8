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
