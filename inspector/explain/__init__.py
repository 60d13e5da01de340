"""The explainer: pasted error text -> ExplainReport (patterns per source; no Flask, no I/O).

`explain(text)` is the one service function: `explain(text).matches[0].code` is the most
specific known error in the text (the innermost cause of a chain), or `no_match`.
`recognises(text)` is the cheap yes/no the home page's paste box asks.
"""

from __future__ import annotations

from inspector.explain.report import ExplainReport, FoundConnection, FoundToken, Match, Next
from inspector.explain.service import MAX_TEXT, explain, recognises

__all__ = [
    "MAX_TEXT",
    "ExplainReport",
    "FoundConnection",
    "FoundToken",
    "Match",
    "Next",
    "explain",
    "recognises",
]
