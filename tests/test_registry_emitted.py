"""Every code any module of k3stui can emit is in THE registry, with the severity it is emitted at.

Two views: a scan of the source (every code literal, and the severity of the helper that builds a
finding from a literal code), and the findings the importers really produce on bad inputs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import k3stui
from k3stui.findings import Severity
from k3stui.importers import build_plan
from k3stui.rules import RULES

PACKAGE = Path(k3stui.__file__).parent
BY_CODE = {r.code: r for r in RULES}
_LITERAL = re.compile(r"""["']([A-Z]{2,}[0-9]{3})["']""")
# A finding built from a literal code with a severity helper: error("X", ...), Finding(Severity.WARNING, "X"
_HELPER = re.compile(r"""\b(error|warning|info)\(\s*["']([A-Z]{2,}[0-9]{3})["']""")
_CONSTRUCTOR = re.compile(r"""Finding\(\s*Severity\.(ERROR|WARNING|INFO)\s*,\s*["']([A-Z]{2,}[0-9]{3})["']""")

def _sources() -> list[tuple[str, str]]:
    return [(str(p.relative_to(PACKAGE)), p.read_text()) for p in sorted(PACKAGE.rglob("*.py"))]


def test_every_code_literal_is_registered() -> None:
    missing = sorted({f"{name}: {code}" for name, text in _sources() for code in _LITERAL.findall(text)
                      if code not in BY_CODE})
    assert missing == []


def test_codes_built_with_a_severity_are_registered_with_that_severity() -> None:
    wrong = []
    for name, text in _sources():
        for pattern in (_HELPER, _CONSTRUCTOR):
            for severity, code in pattern.findall(text):
                want = Severity(severity.lower())
                if code in BY_CODE and BY_CODE[code].severity is not want:
                    wrong.append(f"{name}: {code} emitted as {want.value}, registered as "
                                 f"{BY_CODE[code].severity.value}")
    assert wrong == []


BAD_INPUTS = [
    {"configs": [("c.yaml", "cluster-cidr: ''\nflanel-backend: host-gw\nmy-note: 1\n--cluster-domain: x\n"
                           "disable-network-policy: tRuE\ncluster-domain: a\ncluster-domain+: b\n"
                           "tls-san: [[a]]\nnode-label: {a: 1}\ncluster-cidr: 10.42.0.0/16\n")]},
    {"exec_flags": "server --bogus --cluster-cidr --node-ip=1.2.3.4, extra --x=1"},
    {"configs": [("c.yaml", "kube-apiserver-arg: service-cluster-ip-range=10.99.0.0/16\n"
                           "service-node-port-range: '30000 - 32767'\nno-flannel: true\n")]},
    {"netconf": ("n.json", '{"Network": "2001:db8::/56", "SubnetLen": -1, "enablenftables": 1, '
                           '"Backend": {"Type": "udp", "Mode": 3}}')},
    {"netconf": ("n.json", '{"Network": "10.99.0.0/16"}')},
    {"netconf": ("n.json", '{"Network": "10.42.0.0/16", "Backend": {"Type": "wireguard", "Mode": "x", '
                           '"Typo": 1}}'), "exec_flags": "--flannel-backend=host-gw"},
]


@pytest.mark.parametrize("kwargs", BAD_INPUTS)
def test_importer_findings_carry_their_registered_severity(kwargs: dict) -> None:
    _, findings = build_plan(**kwargs)
    assert findings
    for f in findings:
        assert BY_CODE[f.code].stage == "import"
        assert f.severity is BY_CODE[f.code].severity, f.code


def test_every_import_code_is_produced_by_some_bad_input() -> None:
    produced = {f.code for kwargs in BAD_INPUTS for f in build_plan(**kwargs)[1]}
    import_codes = {r.code for r in RULES if r.stage == "import"}
    # IMPORT004 (duplicate YAML key) is produced above too; IMPORT005 (missing value) as well.
    assert import_codes - produced == set()
