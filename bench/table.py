"""The one table the benchmark prints, as aligned text or as Markdown for the README."""

from __future__ import annotations

from dataclasses import dataclass

COLUMNS = ("row", "value", "spread", "× floor", "target", "result", "notes")


@dataclass(slots=True)
class Row:
    """One line of the table; `passed` None means the row has no target or no figure."""

    name: str
    value: str = "—"
    spread: str = ""
    ratio: str = ""
    target: str = ""
    passed: bool | None = None
    notes: str = ""

    @property
    def result(self) -> str:
        if self.passed is None:
            return ""
        return "PASS" if self.passed else "MISS"

    def cells(self) -> tuple[str, ...]:
        return (
            self.name,
            self.value,
            self.spread,
            self.ratio,
            self.target,
            self.result,
            self.notes,
        )


def ms(seconds_ms: float) -> str:
    return f"{seconds_ms:,.1f} ms" if seconds_ms < 100 else f"{seconds_ms:,.0f} ms"


def times(ratio: float) -> str:
    return f"{ratio:.2f}×" if ratio < 10 else f"{ratio:.1f}×"


def text(rows: list[Row]) -> str:
    """Columns padded to fit; numbers right-aligned so they line up."""
    table = [COLUMNS, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    right = {1, 2, 3}
    out = []
    for number, line in enumerate(table):
        cells = [
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
        if number == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)


def markdown(rows: list[Row]) -> str:
    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    align = "| " + " | ".join(("---", "---:", "---:", "---:", "---", "---", "---")) + " |"
    return "\n".join([line(COLUMNS), align, *(line(row.cells()) for row in rows)])
