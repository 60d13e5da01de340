"""Small helpers for readable sentences in the env check's details and titles."""

from __future__ import annotations

from collections.abc import Sequence


def count(n: int, noun: str) -> str:
    """`1 variable`, `3 variables`."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def join(names: Sequence[str], last: str = " and ") -> str:
    """`A`, `A and B`, `A, B and C` (repeats dropped)."""
    unique = list(dict.fromkeys(names))
    if len(unique) <= 1:
        return "".join(unique)
    return ", ".join(unique[:-1]) + last + unique[-1]


def agree(items: Sequence[object], one: str, many: str) -> str:
    """The word that agrees with how many items there are: agree(keys, "is", "are")."""
    return one if len(items) == 1 else many
