"""The errata of the source notes, written once as data (``notes/errata.json``).

Each entry is one printed result of the notes that a notebook check refutes: where it is printed, what
is printed and what is correct (in plain text and in LaTeX), its severity and why that severity.
:meth:`emlib.derivation.Derivation.expect_false` takes an entry's id and copies these fields into the
check record, so the notebooks, the errata page and the items page all read the same text.

Severity follows the notebooks' rule: ``"error"`` when the printed line changes a result the notes
state (a final displayed line, an answer to a homework question, a summary table), ``"slip"`` when an
intermediate line is wrong but the stated result stands.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Iterable

__all__ = ["Erratum", "ERRATA_PATH", "ERRATA_ENV", "load_errata", "erratum", "errata_markdown"]

#: The catalogue in the repository: beside the transcriptions of the notes it corrects.
ERRATA_PATH = Path(__file__).resolve().parents[2] / "notes" / "errata.json"
#: Environment variable naming another catalogue (e.g. for a copy of the notebooks outside the repository).
ERRATA_ENV = "EMLIB_ERRATA"

_ID = re.compile(r"^(\d{3})-(\d{2})([a-z]?)$")
_ITEM = re.compile(r"^\d{3}-\d{2}$")
_SEVERITIES = ("error", "slip")


@dataclass(frozen=True)
class Erratum:
    """One printed result of the notes that a check refutes.

    Attributes
    ----------
    id : str
        The outline item and a letter if the item has several errata, e.g. ``"002-06e"``.
    items : tuple of str
        The outline items the printed result belongs to (the check's sources); the first is the id's item.
    document : str
        The notes document, e.g. ``"002"``.
    where : str
        Where it is printed (document, page, slide or section).
    printed, correct : str
        The printed result and the correct one, in plain text.
    printed_latex, correct_latex : str
        The same in LaTeX, without dollar signs.
    severity : str
        ``"error"`` (changes a stated result) or ``"slip"`` (the stated result stands).
    why : str
        Why that severity, from reading the notes.
    """

    id: str
    items: tuple[str, ...]
    document: str
    where: str
    printed: str
    printed_latex: str
    correct: str
    correct_latex: str
    severity: str
    why: str


#: The fields every entry must give, in order.
FIELDS = tuple(f.name for f in fields(Erratum))


def _entry(data: object, n: int) -> Erratum:
    if not isinstance(data, dict):
        raise ValueError(f"errata entry {n} must be an object, got {type(data).__name__}")
    name = data.get("id", f"number {n}")
    missing = [k for k in FIELDS if k not in data]
    unknown = sorted(set(data) - set(FIELDS))
    if missing or unknown:
        raise ValueError(f"errata entry {name!r}: missing fields {missing}, unknown fields {unknown}")
    items = data["items"]
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and _ITEM.match(i) for i in items):
        raise ValueError(f"errata entry {name!r}: 'items' must be a non-empty list of outline ids like '002-06'")
    for k in FIELDS:
        if k != "items" and (not isinstance(data[k], str) or not data[k].strip()):
            raise ValueError(f"errata entry {name!r}: field {k!r} must be non-empty text")
    match = _ID.match(data["id"])
    if match is None:
        raise ValueError(f"errata entry {name!r}: an id is an outline item and an optional letter, e.g. '002-06e'")
    if items[0] != f"{match[1]}-{match[2]}" or data["document"] != match[1]:
        raise ValueError(f"errata entry {name!r}: its first item and its document must be those of its id")
    if data["severity"] not in _SEVERITIES:
        raise ValueError(f"errata entry {name!r}: severity must be one of {_SEVERITIES}, got {data['severity']!r}")
    return Erratum(**{**data, "items": tuple(items)})


def _read(path: Path) -> dict[str, Erratum]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"no errata catalogue at {path} (set {ERRATA_ENV} to its path)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from None
    entries = raw.get("errata") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected an object with a list 'errata'")
    out: dict[str, Erratum] = {}
    for n, data in enumerate(entries):
        e = _entry(data, n)
        if e.id in out:
            raise ValueError(f"{path}: errata id {e.id!r} appears twice")
        out[e.id] = e
    return out


@lru_cache(maxsize=4)
def _cached(path: str, version: tuple[int, int]) -> dict[str, Erratum]:
    return _read(Path(path))


def load_errata(path: str | os.PathLike | None = None) -> dict[str, Erratum]:
    """The errata catalogue, by id, in file order.

    Parameters
    ----------
    path : path-like, optional
        The JSON file; by default ``$EMLIB_ERRATA`` or ``notes/errata.json`` in the repository.

    Raises
    ------
    ValueError
        If the file is missing or malformed, or an entry lacks a field (the message names the entry).
    """
    if path is not None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a path, got {type(path).__name__}")
        return _read(Path(path))
    p = Path(os.environ.get(ERRATA_ENV) or ERRATA_PATH).resolve()
    stat = p.stat() if p.exists() else None  # the default catalogue is cached, and re-read after an edit
    return dict(_cached(str(p), (stat.st_mtime_ns, stat.st_size) if stat else (-1, -1)))


def erratum(id: str, path: str | os.PathLike | None = None) -> Erratum:
    """The entry ``id`` of the catalogue; a ValueError names the nearest ids if there is none."""
    if not isinstance(id, str):
        raise TypeError(f"an erratum id must be a string, got {type(id).__name__}")
    catalogue = load_errata(path)
    if id not in catalogue:
        near = [k for k in catalogue if k[:6] == id[:6]]
        raise ValueError(f"no erratum {id!r} in the catalogue" + (f"; entries of that item: {near}" if near else ""))
    return catalogue[id]


def errata_markdown(ids: Iterable[str], path: str | os.PathLike | None = None, *, fold: str = "") -> str:
    """The entries ``ids`` as a Markdown list (for a notebook's summary of where the notes go wrong).

    Each entry gives its id, severity, where, the printed and the correct result typeset, and why that
    severity. With ``fold`` the list sits in an HTML ``<details>`` box whose summary is ``fold``.
    """
    if isinstance(ids, str):
        raise TypeError("ids must be a list of erratum ids, not one string")
    catalogue = load_errata(path)
    ids = list(dict.fromkeys(ids))  # each entry once, in the order given
    unknown = [i for i in ids if i not in catalogue]
    if unknown:
        raise ValueError(f"no errata entries {unknown} in the catalogue")
    lines = []
    for i in ids:
        e = catalogue[i]
        where, why = (t.replace("*", r"\*") for t in (e.where, e.why))  # plain text: no emphasis
        lines += [f"* **{e.id}** ({e.severity}), {where}:  ",
                  f"  printed ${e.printed_latex}$;  ",
                  f"  correct ${e.correct_latex}$.  ",
                  f"  *Why {'an error' if e.severity == 'error' else 'a slip'}:* {why}."]
    body = "\n".join(lines)
    if fold:
        return f'<details class="emlib-notes">\n<summary>{fold}</summary>\n\n{body}\n\n</details>'
    return body
