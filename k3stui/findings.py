"""What a rule or importer says about a plan: severity, stable code, key, message, hint."""

from __future__ import annotations

from enum import StrEnum

from k3stui.records import asdict, record


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@record
class Finding:
    """One observation. `key` is the K3s flag name without dashes, a flannel key path
    (`Backend.Type`) or a preset path (`cni.cilium.kubeProxyReplacement`)."""

    severity: Severity
    code: str
    key: str
    message: str
    hint: str = ""

    def to_dict(self) -> dict[str, str]:
        d = asdict(self)
        d["severity"] = self.severity.value
        return d


def error(code: str, key: str, message: str, hint: str = "") -> Finding:
    return Finding(Severity.ERROR, code, key, message, hint)


def warning(code: str, key: str, message: str, hint: str = "") -> Finding:
    return Finding(Severity.WARNING, code, key, message, hint)


def info(code: str, key: str, message: str, hint: str = "") -> Finding:
    return Finding(Severity.INFO, code, key, message, hint)


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Errors first, then warnings, then info; stable within a severity."""
    return sorted(findings, key=lambda f: f.severity.rank)


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """' Did you mean "x"?' or '' — difflib is stdlib and good enough for flag names."""
    import difflib

    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f' Did you mean "{match[0]}"?' if match else ""


from k3stui.errors import InputError  # noqa: E402,F401  (re-exported: older imports)
