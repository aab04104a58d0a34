"""The record schema of checks: one module that writes and reads them.

A :class:`~emlib.derivation.Derivation` attaches a structured record to each output it displays in
Jupyter, beside the printed line: a check (:data:`CHECK_MIME`, the fields of :class:`Check`), the
summary (:data:`SUMMARY_MIME`) and the coverage table (:data:`COVERAGE_MIME`). The site builder
(``tools/build_site.py``), the notebook hygiene test and the mutation tool (``tools/mutation.py``) read
them here, never from printed text:

* :func:`record_data` / :func:`notebook_records`: the records stored in a notebook's outputs;
* :data:`RECORD_LOG_ENV`: when this environment variable names a file, every record a Derivation
  emits is also appended to it as one JSON line (:func:`log_record`, read back by :func:`read_record_log`),
  so that a tool running notebooks (the mutation analysis) learns which checks failed without parsing
  error messages.

Machine-dependent measurements (``Check.measured``) are never part of a record: they travel in output
metadata, which nbval does not compare.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Iterator

__all__ = ["Check", "CHECK_MIME", "SUMMARY_MIME", "COVERAGE_MIME", "RECORD_MIMES", "STATUSES", "SEVERITIES",
           "FIELDS", "NotebookRecord", "record_data", "notebook_records", "RECORD_LOG_ENV", "log_record",
           "read_record_log"]

#: MIME types of the structured records a Derivation attaches to its outputs in Jupyter.
CHECK_MIME = "application/vnd.emlib.check+json"
SUMMARY_MIME = "application/vnd.emlib.summary+json"
COVERAGE_MIME = "application/vnd.emlib.coverage+json"
RECORD_MIMES = (CHECK_MIME, SUMMARY_MIME, COVERAGE_MIME)
#: Statuses of a check record.
STATUSES = ("ok", "refuted", "failed")
#: Kinds of refuted printed results (errata are grouped by them).
SEVERITIES = ("", "error", "slip")
#: Environment variable naming a JSON-lines file that receives every record emitted (see log_record).
RECORD_LOG_ENV = "EMLIB_RECORD_LOG"


@dataclass(frozen=True)
class Check:
    """One attempted check and its result.

    Attributes
    ----------
    label : str
        What was claimed, in the notebook's words.
    kind : str
        ``equal``, ``derivative``, ``stationary``, ``lagrange``, ``positive``, ``close``, ``holds`` or
        ``gradient``.
    route : str
        How it was established, e.g. ``symbolic: simplify`` or ``numeric: 64 points of x in (0, inf), 50 digits``.
    category : str
        ``symbolic``, ``numeric`` or ``finite-difference``.
    section : str
        The section of the notebook it belongs to.
    sources : tuple of str
        Outline item ids (``"003-14"``) the check covers.
    status : str
        ``ok`` (the claim holds), ``refuted`` (an expected-false claim refuted with definitive evidence)
        or ``failed`` (the claim does not hold, or could not be decided, or an expected-false claim held).
    detail : str
        The evidence: a counterexample, an exact residual, or why the claim could not be decided.
    printed, correct : str
        For refuted checks: the printed claim and the correct result, in plain text.
    printed_latex, correct_latex : str
        The same in LaTeX (without dollar signs), for typesetting.
    where : str
        Where the printed claim appears in the notes (document and section or page).
    severity : str
        For refuted checks: ``"error"`` (the printed result is wrong: it changes a result) or
        ``"slip"`` (an intermediate line is wrong but the final result stands); empty if not given.
    erratum : str
        For refuted checks: the id of the erratum entry (``notes/errata.json``) the check refutes, if any.
    why : str
        Why that severity (from the erratum entry); empty if not given.
    """

    label: str
    kind: str
    route: str
    category: str
    section: str = ""
    sources: tuple[str, ...] = ()
    status: str = "ok"
    detail: str = ""
    printed: str = ""
    correct: str = ""
    printed_latex: str = ""
    correct_latex: str = ""
    where: str = ""
    severity: str = ""
    erratum: str = ""
    why: str = ""
    #: What a numeric route measured (e.g. ``{"max_abs_diff": 3.1e-11}``): machine-dependent, so it is
    #: kept out of :meth:`line` and :meth:`as_dict` and shown only as output metadata (see ``_emit``).
    measured: dict = field(default_factory=dict, compare=False)

    @property
    def refuted(self) -> bool:
        """True for an expected-false check that was refuted."""
        return self.status == "refuted"

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def _ipython_display_(self) -> None:
        """Show nothing in Jupyter: the check already printed its line when it ran."""

    def line(self) -> str:
        """The stable one-line text printed when the check runs."""
        if self.status == "refuted":
            text = f"[refuted as expected] {self.label}  ({self.route}: {self.detail})"
            if self.where:
                text += f"\n    where  : {self.where}"
            if self.printed:
                text += f"\n    printed: {self.printed}"
            if self.correct:
                text += f"\n    correct: {self.correct}"
            return text
        if self.status == "failed":
            return f"[FAILED] {self.label}  ({self.route}: {self.detail})"
        return f"[ok] {self.label}  ({self.route})"

    def markdown(self) -> str:
        """For a refuted check with LaTeX given: the printed and correct results typeset (else empty)."""
        if self.status != "refuted" or not (self.printed_latex or self.correct_latex):
            return ""
        items = ", ".join(self.sources) or "-"
        kind = {"error": " (an error that changes a result)", "slip": " (a slip; the final result stands)"}.get(self.severity, "")
        lines = [f"**Refuted as expected** ({html.escape(self.route)}): {html.escape(self.label).replace('*', chr(92) + '*')}  ",
                 f"notes item {items}" + (f", {html.escape(self.where)}" if self.where else "") + kind + "  "]
        if self.printed_latex:
            lines.append(f"printed: ${self.printed_latex}$  ")
        if self.correct_latex:
            lines.append(f"correct: ${self.correct_latex}$  ")
        lines.append("evidence: `" + self.detail.replace("`", "'") + "`")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """The record as plain JSON-ready data (the structured output read by the site builder)."""
        return {
            "label": self.label, "kind": self.kind, "route": self.route, "category": self.category,
            "section": self.section, "sources": list(self.sources), "status": self.status,
            "detail": self.detail, "printed": self.printed, "correct": self.correct,
            "printed_latex": self.printed_latex, "correct_latex": self.correct_latex, "where": self.where,
            "severity": self.severity,
            # written only when set, so that records without an erratum keep their stored form
            **{k: v for k, v in (("erratum", self.erratum), ("why", self.why)) if v},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Check":
        """The record from :meth:`as_dict` data (a notebook output). Unknown keys are ignored, missing
        ones take their defaults, and every value is read as text (``sources`` as a tuple of text)."""
        if not isinstance(data, dict):
            raise TypeError(f"a check record must be a dict, got {type(data).__name__}")
        if not data.get("label"):
            raise ValueError("a check record needs a non-empty 'label'")
        known = {k: data[k] for k in FIELDS if k in data}
        known["sources"] = tuple(str(s) for s in (known.get("sources") or ()))
        for k, v in list(known.items()):
            if k != "sources":
                known[k] = "" if v is None else str(v)
        if known.get("status", "ok") not in STATUSES:
            raise ValueError(f"unknown check status {known['status']!r}; expected one of {STATUSES}")
        known.setdefault("kind", "")
        known.setdefault("route", "")
        known.setdefault("category", "")
        return cls(**known)


#: The fields of a check record (what :meth:`Check.as_dict` writes), in order.
FIELDS = tuple(f.name for f in fields(Check) if f.name != "measured")


@dataclass(frozen=True)
class NotebookRecord:
    """One structured record stored in a notebook: its MIME type, data, and where it is.

    ``cell`` is the position of the cell among all cells, ``code_cell`` among code cells (nbval's
    "Cell <n>" numbering).
    """

    mime: str
    data: dict
    cell: int
    code_cell: int

    def check(self) -> Check:
        """The record as a :class:`Check` (only for :data:`CHECK_MIME` records)."""
        if self.mime != CHECK_MIME:
            raise ValueError(f"not a check record: {self.mime}")
        return Check.from_dict(self.data)


def record_data(output: dict, mime: str) -> dict | None:
    """The record of type ``mime`` in one stored output (a dict), or None."""
    data = output.get("data", {}).get(mime)
    if data is None:
        return None
    return json.loads(data) if isinstance(data, str) else dict(data)


def notebook_records(nb: Any, mimes: tuple[str, ...] = RECORD_MIMES) -> list[NotebookRecord]:
    """Every record of the given types stored in a notebook's outputs, in order.

    ``nb`` is a notebook node (``nbformat``), a dict in the notebook format, or a path to an ``.ipynb``.
    """
    if isinstance(nb, (str, Path)):
        nb = json.loads(Path(nb).read_text(encoding="utf-8"))
    cells = nb.get("cells") if isinstance(nb, dict) else getattr(nb, "cells", None)
    if cells is None:
        raise TypeError("nb must be a notebook (nbformat node, dict or path)")
    out: list[NotebookRecord] = []
    code = -1
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        code += 1
        for output in cell.get("outputs", []):
            for mime in mimes:
                data = record_data(output, mime)
                if data is not None:
                    out.append(NotebookRecord(mime, data, index, code))
    return out


def log_record(mime: str, data: dict, title: str) -> None:
    """Append a record to the file named by :data:`RECORD_LOG_ENV`, if it is set (else do nothing).

    Each line is ``{"mime", "title" (the Derivation's), "execution_count" (the kernel's current cell,
    None outside IPython), "record"}``.
    """
    path = os.environ.get(RECORD_LOG_ENV)
    if not path:
        return
    count = None
    try:
        from IPython import get_ipython

        shell = get_ipython()
        count = getattr(shell, "execution_count", None) if shell is not None else None
    except ImportError:
        pass
    line = json.dumps({"mime": mime, "title": title, "execution_count": count, "record": data})
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def read_record_log(path: str | Path) -> list[dict]:
    """The entries :func:`log_record` wrote (an absent file has none)."""
    p = Path(path)
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
