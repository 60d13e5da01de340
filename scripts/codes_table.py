"""Write (or check) the README's table of finding codes from the catalog, so it cannot drift."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inspector.findings import catalog  # noqa: E402

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- codes:start -->", "<!-- codes:end -->"
AREAS = {
    "token": "Token",
    "connection": "Connection",
    "env": "Environment",
    "request": "Request tester",
    "mint": "Test tokens",
    "explain": "Explain",
}


def table() -> str:
    rows = ["| area | code | severity | title | fix |", "|---|---|---|---|---|"]
    for c in catalog().values():
        fix = (c.fix or "").replace("|", "\\|").replace("\n", " ")
        title = c.title.replace("|", "\\|")
        rows.append(
            f"| {AREAS.get(c.area, c.area)} | `{c.code}` | {c.severity.value} | {title} | {fix} |"
        )
    return "\n".join(rows)


def render(text: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = README.read_text()
    if START not in text or END not in text:
        print(f"README.md lacks the {START} … {END} markers", file=sys.stderr)
        return 1
    new = render(text)
    if args.write:
        README.write_text(new)
        return 0
    if new != text:
        print("README.md's table of codes is out of date: run `make codes`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
