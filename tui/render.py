"""How values, layers and problems look on screen: shared by every widget."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from core.model import MAPPING, SEQUENCE, Encrypted, Key, Merged, Severity
from core.secrets.policy import Reveal

# Badge backgrounds, picked in order as layers are first seen: distinct, readable with
# black text, and stable for the whole session (a layer never changes colour).
PALETTE = (
    "#5fafd7",
    "#d787af",
    "#87d787",
    "#d7af5f",
    "#af87ff",
    "#5fd7af",
    "#ff875f",
    "#d7d75f",
    "#87afff",
    "#ff87d7",
    "#afaf87",
    "#5fd7d7",
)
BASE_COLOUR = "#8a8a8a"

SEVERITY_MARK: dict[Severity, str] = {"error": "✖", "warning": "⚠"}
SEVERITY_STYLE: dict[Severity, str] = {"error": "bold red", "warning": "yellow"}

MAX_VALUE_WIDTH = 40


class LayerColours:
    """One colour per layer name, assigned once and kept."""

    def __init__(self) -> None:
        self._colours: dict[str, str] = {}

    def assign(self, names: list[str], bases: set[str]) -> None:
        for name in names:
            if name not in self._colours:
                if name in bases:
                    self._colours[name] = BASE_COLOUR
                else:
                    used = len([c for c in self._colours.values() if c != BASE_COLOUR])
                    self._colours[name] = PALETTE[used % len(PALETTE)]

    def colour(self, name: str) -> str:
        if name not in self._colours:
            self.assign([name], set())
        return self._colours[name]

    def badge(self, name: str) -> Text:
        return Text(f" {name} ", style=f"bold #000000 on {self.colour(name)}")


def scalar_text(value: Any) -> str:
    """A scalar as YAML would show it; secrets masked."""
    if isinstance(value, Encrypted):
        return str(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return repr(value) if value == "" or value != value.strip() else value
    return str(value)


def value_text(node: Merged, width: int = MAX_VALUE_WIDTH, reveal: bool = False) -> str:
    """The value of a node in one line: scalars in full (cut to `width`), containers
    counted, secrets masked unless `reveal`."""
    if node.kind == MAPPING or node.kind == SEQUENCE:
        return _counted(node.value)
    return plain_text(Reveal(reveal).scalar(node), width)


def plain_text(value: Any, width: int = MAX_VALUE_WIDTH) -> str:
    """A plain value (as `Definition.value` gives it) in one line."""
    if isinstance(value, dict | list):
        return _counted(value)
    text = scalar_text(value).replace("\n", "⏎")
    return text if len(text) <= width else text[: width - 1] + "…"


def _counted(value: dict[Any, Any] | list[Any]) -> str:
    count = len(value)
    if isinstance(value, dict):
        return "{}" if count == 0 else f"{{{count} key{'s' if count != 1 else ''}}}"
    return "[]" if count == 0 else f"[{count} item{'s' if count != 1 else ''}]"


def type_name(node: Merged) -> str:
    if node.kind == MAPPING:
        return "mapping"
    if node.kind == SEQUENCE:
        return "list"
    value = node.value
    if isinstance(value, Encrypted):
        return f"encrypted {value.type}"
    if value is None:
        return "null"
    return type(value).__name__


def key_text(key: Key) -> str:
    return f"[{key}]" if isinstance(key, int) else str(key)


def value_style(node: Merged) -> str:
    if node.kind != MAPPING and node.kind != SEQUENCE:
        value = node.value
        if isinstance(value, Encrypted):
            return "magenta"
        if isinstance(value, bool) or value is None:
            return "cyan"
        if isinstance(value, int | float):
            return "green"
        return "#d7d7af"
    return "dim"


def same_text(one: Text, other: Text | str) -> bool:
    """Whether two texts look the same (rich's `==` ignores the base style)."""
    if isinstance(other, str):
        return False
    return one.plain == other.plain and one.spans == other.spans and one.style == other.style
