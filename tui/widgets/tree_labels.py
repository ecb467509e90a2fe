"""How one key of the merged tree reads in the tree: key, value, layer badge, marks."""

from __future__ import annotations

from rich.text import Text

from core.merging import Removal
from core.model import MAPPING, SEQUENCE, Key, KeyPath, Merged
from core.secrets.policy import Reveal, sealed_type
from tui.render import (
    SEVERITY_MARK,
    SEVERITY_STYLE,
    LayerColours,
    key_text,
    plain_text,
    value_style,
    value_text,
)
from tui.view import View

REMOVED_STYLE = "dim strike"


def node_label(
    view: View | None,
    colours: LayerColours,
    key: Key,
    path: KeyPath,
    node: Merged,
    *,
    revealed: bool = False,
) -> Text:
    """The label of the key at `path` (`revealed`: a secret shown in the clear)."""
    removal = view.removal_of(path) if view is not None else None
    if removal is not None:
        return _removed_label(view, colours, key, path, node, *removal)
    severity = view.severity.get(path) if view is not None else None
    label = Text(no_wrap=True, end="")
    label.append(key_text(key), style=SEVERITY_STYLE[severity] if severity else "bold")
    label.append(": ")
    shown = value_text(node, reveal=revealed)
    label.append(shown, style=value_style(node))
    if node.layer:
        label.append(" ")
        label.append_text(colours.badge(node.layer))
    beaten = node.beaten
    if beaten:
        label.append(f" ↑{len(beaten)}", style="bold magenta")
    if severity:
        label.append(f" {SEVERITY_MARK[severity]}", style=SEVERITY_STYLE[severity])
    return label


def _removed_label(
    view: View | None,
    colours: LayerColours,
    key: Key,
    path: KeyPath,
    node: Merged,
    removed_at: KeyPath,
    removal: Removal,
) -> Text:
    """A key an `!unset` took out: struck and dimmed; where it went on the key removed."""
    label = Text(no_wrap=True, end="")
    label.append(key_text(key), style=REMOVED_STYLE)
    label.append(": ", style="dim")
    shown = value_text(node)
    if node.kind != MAPPING and node.kind != SEQUENCE and view is not None:
        # Never marked by a resolve: a secret is known by its key's name.
        secret = view.resolution.secret_keys.on_path(path)
        masked = Reveal().masked(node.value, secret=secret, sealed=sealed_type(node))
        shown = plain_text(masked)
    label.append(shown, style=REMOVED_STYLE)
    if path == removed_at:
        label.append(" removed by ", style="dim italic")
        label.append_text(colours.badge(removal.layer))
    return label
