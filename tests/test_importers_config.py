"""YAML loading and K3s config-file merging (config.yaml + config.yaml.d, `key+:`)."""

from __future__ import annotations

import pytest

from k3stui.findings import InputError
from k3stui.importers.k3s_config import merge_configs, parse_config
from k3stui.importers.yamlio import load_yaml, load_yaml_checked


def test_yaml_error_names_file_line_and_column() -> None:
    with pytest.raises(InputError, match=r"^config\.yaml:3:2: did not find expected ',' or ']'"):
        load_yaml("a: 1\nb: [1, 2\nc: 3\n", "config.yaml")


def test_yaml_control_character_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"^x\.yaml:1:4: "):
        load_yaml("a: \x00", "x.yaml")


def test_yaml_recursive_alias_is_an_input_error() -> None:
    with pytest.raises(InputError, match="refers to itself"):
        load_yaml("&a [*a]", "x.yaml")


def test_yaml_dates_stay_text_and_bad_dates_do_not_crash() -> None:
    assert load_yaml("a: 2024-13-45\nb: 2024-01-01", "x") == {"a": "2024-13-45", "b": "2024-01-01"}


def test_duplicate_key_warns_and_last_wins() -> None:
    data, findings = load_yaml_checked("cluster-cidr: 10.1.0.0/16\ncluster-cidr: 10.2.0.0/16\n", "c.yaml")
    assert data == {"cluster-cidr": "10.2.0.0/16"}
    assert [(f.code, f.key) for f in findings] == [("IMPORT004", "cluster-cidr")]
    assert "c.yaml:2:1" in findings[0].message


def test_non_mapping_config_names_the_file() -> None:
    with pytest.raises(InputError, match=r"^drop\.yaml: a K3s config file must be a mapping"):
        parse_config("- cluster-cidr\n", "drop.yaml")


def test_empty_config_is_an_empty_mapping() -> None:
    assert parse_config("", "c.yaml") == ({}, [])
    assert parse_config("# only a comment\n", "c.yaml") == ({}, [])


def test_mapping_is_reported_and_dropped_null_is_kept_as_empty() -> None:
    # K3s passes a null as `--cluster-cidr=` (fatal later), so it is not dropped as "unset".
    doc, findings = parse_config("cluster-cidr:\nflannel-backend: {a: 1}\n", "c.yaml")
    assert doc == {"cluster-cidr": None}
    assert [(f.code, f.key) for f in findings] == [("IMPORT007", "flannel-backend")]


def test_later_file_wins_and_keeps_first_seen_order() -> None:
    merged, _ = merge_configs(
        [
            ("config.yaml", "cluster-cidr: 10.42.0.0/16\nflannel-backend: vxlan\n"),
            ("config.yaml.d/10-net.yaml", "flannel-backend: host-gw\n"),
        ]
    )
    assert merged == {"cluster-cidr": "10.42.0.0/16", "flannel-backend": "host-gw"}
    assert list(merged) == ["cluster-cidr", "flannel-backend"]


def test_plus_appends_lists_in_drop_in_order() -> None:
    merged, _ = merge_configs(
        [
            ("config.yaml", "node-label:\n  - a=1\n"),
            ("config.yaml.d/10.yaml", "node-label+:\n  - b=2\n"),
            ("config.yaml.d/20.yaml", "node-label+: c=3\n"),
        ]
    )
    assert merged["node-label"] == ["a=1", "b=2", "c=3"]


def test_plus_on_a_single_value_flag_keeps_the_last() -> None:
    # k3s-oracle: args --cluster-domain=a.local --cluster-domain=b.local -> cluster-domain b.local
    merged, findings = merge_configs([("a.yaml", "cluster-domain: a.local\n"),
                                      ("b.yaml", "cluster-domain+: b.local\n")])
    assert merged["cluster-domain"] == "b.local"
    assert [(f.code, f.key) for f in findings] == [("IMPORT006", "cluster-domain")]


def test_plus_appends_to_a_list_flag_given_as_string() -> None:
    merged, _ = merge_configs([("a.yaml", "tls-san: x.example\n"), ("b.yaml", "tls-san+: [y.example]\n")])
    assert merged["tls-san"] == ["x.example", "y.example"]


def test_later_file_without_plus_overwrites_an_appended_list() -> None:
    merged, _ = merge_configs(
        [
            ("a.yaml", "node-label: [a=1]\n"),
            ("b.yaml", "node-label+: [b=2]\n"),
            ("c.yaml", "node-label: [c=3]\n"),
        ]
    )
    assert merged["node-label"] == ["c=3"]


def test_plus_on_first_occurrence_just_sets() -> None:
    merged, _ = merge_configs([("a.yaml", "node-label+: [a=1]\n")])
    assert merged == {"node-label": ["a=1"]}


def test_short_key_in_config_is_the_long_flag() -> None:
    merged, _ = merge_configs([("a.yaml", "i: 10.0.0.5\n")])
    assert merged == {"node-ip": "10.0.0.5"}


def test_plus_on_a_secret_flag_never_echoes_the_value() -> None:
    _, findings = merge_configs([("a.yaml", "token: first-s3cret\n"), ("b.yaml", "token+: second-s3cret\n")])
    assert [f.code for f in findings] == ["IMPORT006"]
    assert "s3cret" not in findings[0].message + findings[0].hint
