"""Results as JSON and back: an entry holds everything a reporter shows of a
:class:`~honestreach.model.FileResult`; reading one back checks every value's type."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any, Callable

from ..model import (SEVERITIES, FileResult, Finding, InputError, InputNote, Location, Scores,
                     Severity, SourceText)

if TYPE_CHECKING:
    from ..sources import InputFile

# A severity read back as the model's type, or None when it is not one.
_SEVERITY: dict[str, Severity] = {severity: severity for severity in SEVERITIES}
# How the parsers decode a file into its source text; an entry names the one that reproduces it.
_DECODINGS = (("utf-8-sig", "strict"), ("utf-16", "strict"), ("utf-8", "replace"))

# The fields an entry stores: a field added to one of these classes must be added to the cache
# too (until then the cache turns itself off rather than return results without it).
_KNOWN_FIELDS: dict[type[Any], set[str]] = {
    FileResult: {"path", "findings", "scores", "errors", "recipient", "subject", "source",
                 "gate_failures", "notes"},
    Finding: {"rule", "category", "severity", "message", "location", "text", "suggestion",
              "field"},
    Location: {"line", "column", "end_line", "end_column"},
    Scores: {"respect", "relevance", "respect_reasons", "relevance_reasons"},
    InputError: {"message", "line"},
    InputNote: {"message", "line"},
}


def model_matches_cache() -> bool:
    """Whether the cache knows every field of the result classes it stores."""
    return all({f.name for f in fields(cls)} == names for cls, names in _KNOWN_FIELDS.items())


def encode_result(result: FileResult, data: bytes) -> dict[str, Any]:
    scores = result.scores
    return {
        "findings": [_encode_finding(f) for f in result.findings],
        "scores": None if scores is None else {
            "respect": scores.respect, "relevance": scores.relevance,
            "respect_reasons": list(scores.respect_reasons),
            "relevance_reasons": list(scores.relevance_reasons),
        },
        "errors": [{"message": e.message, "line": e.line} for e in result.errors],
        "recipient": result.recipient,
        "subject": result.subject,
        "source": _encode_source(result.source, data),
        "gate_failures": list(result.gate_failures),
        "notes": [{"message": n.message, "line": n.line} for n in result.notes],
    }


def _encode_finding(finding: Finding) -> dict[str, Any]:
    loc = finding.location
    return {"rule": finding.rule, "category": finding.category, "severity": finding.severity,
            "message": finding.message,
            "location": [loc.line, loc.column, loc.end_line, loc.end_column],
            "text": finding.text, "suggestion": finding.suggestion, "field": finding.field}


def _encode_source(source: SourceText | None, data: bytes) -> dict[str, Any] | None:
    """How to get the source text back from the file's bytes (or the text itself)."""
    if source is None:
        return None
    for encoding, errors in _DECODINGS:
        try:
            if data.decode(encoding, errors) == source.text:
                return {"decode": [encoding, errors]}
        except UnicodeDecodeError:
            continue
    return {"text": source.text}


def decode_result(data: Any, item: InputFile) -> FileResult:
    """The result an entry holds; TypeError or ValueError when it is not a valid entry."""
    if not isinstance(data, dict) or set(data) != {"findings", "scores", "errors", "recipient",
                                                   "subject", "source", "gate_failures",
                                                   "notes"}:
        raise ValueError("not a cached result")
    scores = data["scores"]
    return FileResult(
        path=item.path,
        findings=tuple(_decode_finding(f) for f in as_list(data["findings"])),
        scores=None if scores is None else Scores(
            respect=as_int(scores["respect"]), relevance=as_int(scores["relevance"]),
            respect_reasons=tuple(as_str(r) for r in as_list(scores["respect_reasons"])),
            relevance_reasons=tuple(as_str(r) for r in as_list(scores["relevance_reasons"])),
        ),
        errors=tuple(InputError(as_str(e["message"]),
                                None if e["line"] is None else as_int(e["line"]))
                     for e in as_list(data["errors"])),
        recipient=as_opt_str(data["recipient"]),
        subject=as_opt_str(data["subject"]),
        source=_decode_source(data["source"], item.data),
        gate_failures=tuple(as_str(g) for g in as_list(data["gate_failures"])),
        notes=tuple(InputNote(as_str(n["message"]),
                              None if n["line"] is None else as_int(n["line"]))
                    for n in as_list(data["notes"])),
    )


def _decode_finding(data: Any) -> Finding:
    if not isinstance(data, dict):
        raise TypeError("a finding must be an object")
    line, column, end_line, end_column = (as_int(v) for v in as_list(data["location"]))
    severity = _SEVERITY.get(as_str(data["severity"]))
    if severity is None:
        raise ValueError(f"unknown severity {data['severity']!r}")
    return Finding(rule=as_str(data["rule"]), category=as_str(data["category"]),
                   severity=severity, message=as_str(data["message"]),
                   location=Location(line, column, end_line, end_column),
                   text=as_str(data["text"]), suggestion=as_str(data["suggestion"]),
                   field=as_str(data["field"]))


def _decode_source(data: Any, raw: bytes) -> SourceText | None:
    if data is None:
        return None
    if "text" in data:
        return SourceText(as_str(data["text"]))
    encoding, errors = (as_str(v) for v in as_list(data["decode"]))
    if (encoding, errors) not in _DECODINGS:
        raise ValueError("unknown decoding")
    return SourceText(raw.decode(encoding, errors))


def _check(kind: type, name: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if type(value) is not kind:
            raise TypeError(f"expected {name}, got {type(value).__name__}")
        return value
    return check


as_str = _check(str, "a string")
as_int = _check(int, "an integer")
as_list = _check(list, "a list")


def as_opt_str(value: Any) -> str | None:
    return None if value is None else as_str(value)
