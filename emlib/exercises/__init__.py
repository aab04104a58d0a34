"""Exercises at the end of notebooks 01 to 08: derivations for the reader, checked line by line.

>>> from emlib.exercises import exercise
>>> ex = exercise("03.1")
>>> ex.show()            # the statement                                  # doctest: +SKIP
>>> ex.hint(1)           # hints on demand                                # doctest: +SKIP
>>> ex.check([])         # prints: Exercise 03.1: not attempted yet: ...  # doctest: +SKIP

Each exercise's working is checked by :func:`emlib.derivation.check_working`, and its last line must
equal the exercise's target. Reference solutions live here (``Exercise.solution``) and are never shown
by the notebooks.
"""

from __future__ import annotations

from ._base import NOT_ATTEMPTED, Exercise, ExerciseResult
from . import nb01, nb02, nb03, nb04, nb05, nb06, nb07, nb08

__all__ = ["Exercise", "ExerciseResult", "NOT_ATTEMPTED", "exercise", "exercises", "EXERCISES"]

EXERCISES: dict[str, Exercise] = {}
for _module in (nb01, nb02, nb03, nb04, nb05, nb06, nb07, nb08):
    for _ex in _module.EXERCISES:
        if _ex.id in EXERCISES:
            raise RuntimeError(f"duplicate exercise id {_ex.id}")
        EXERCISES[_ex.id] = _ex


def exercise(exercise_id: str) -> Exercise:
    """The exercise with this id, e.g. ``exercise("03.2")``."""
    if not isinstance(exercise_id, str):
        raise TypeError(f"exercise_id must be a string like '03.2', got {type(exercise_id).__name__}")
    try:
        return EXERCISES[exercise_id]
    except KeyError:
        raise KeyError(f"no exercise {exercise_id!r}; known: {', '.join(EXERCISES)}") from None


def exercises(notebook: str | None = None) -> list[Exercise]:
    """All exercises, or those of one notebook (``"03"`` or the notebook's file stem)."""
    out = list(EXERCISES.values())
    if notebook is not None:
        out = [e for e in out if e.id.split(".")[0] == notebook or e.notebook == notebook]
    return out
