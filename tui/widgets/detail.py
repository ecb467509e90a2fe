"""Why this value: the provenance of the node under the tree's cursor."""

from __future__ import annotations

from dataclasses import dataclass
from time import monotonic

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

from core.history import GitHistory, LineHistory, NodeHistory, node_history
from core.merging import Removal
from core.model import (
    BEATEN,
    MERGED_OVER,
    NOTHING_BEATEN,
    SCALAR,
    Definition,
    KeyPath,
    Merged,
    Origin,
    Problem,
    format_path,
)
from core.secrets.policy import Reveal, is_secret, sealed_type
from tui.render import (
    SEVERITY_MARK,
    SEVERITY_STYLE,
    LayerColours,
    plain_text,
    same_text,
    scalar_text,
    type_name,
    value_style,
    value_text,
)
from tui.reveal import environment_recipients, secret_text
from tui.view import View
from tui.widgets.titles import set_border_title

LABEL_WIDTH = 11

# Seconds: the fastest the pane follows the tree's cursor.
FOLLOW_INTERVAL = 0.08


class DetailPane(VerticalScroll):
    DEFAULT_CSS = """
    DetailPane {
        border: round $primary 50%;
        border-title-color: $text-muted;
        padding: 0 1;
        &:focus { border: round $primary; }
        & > #detail-body { width: 1fr; }
    }
    """

    @dataclass
    class HistoryFound(Message):
        """git's answer for the node the pane showed when it asked."""

        view: View
        path: KeyPath
        history: NodeHistory

    def __init__(
        self, colours: LayerColours, *, history: GitHistory | None = None, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.colours = colours
        self.history = history
        self._showing: tuple[View, KeyPath] | None = None
        self.border_title = "why this value"
        self.text = Text()
        self._shown_at = 0.0
        self._pending: tuple[View | None, KeyPath | None] | None = None
        self._timer: Timer | None = None
        self.revealed: KeyPath | None = None
        """The secret shown in the clear, on request (the screen sets it)."""
        self._held: tuple[View, list[str]] | None = None
        self._described: tuple[View | None, KeyPath | None] | None = None
        """The view and path the pane last described (not a layer)."""

    def compose(self) -> ComposeResult:
        yield Static(id="detail-body")

    def _render_text(self, text: Text) -> None:
        # The same description again (a resolve that left this key alone) is not laid
        # out again: that would repaint the whole screen.
        if not same_text(text, self.text):
            self.text = text
            self.query_one("#detail-body", Static).update(text)
        self.scroll_home(animate=False)

    def follow(self, view: View | None, path: KeyPath | None) -> None:
        """Describe `path` now, or a moment later if the pane changed a moment ago.

        Re-laying out the pane costs a full repaint: while the cursor races through the
        tree (a held key), show at most one node per `FOLLOW_INTERVAL`.
        """
        described = self._described
        if self._timer is None and described and described[0] is view and described[1] == path:
            return  # the screen has just shown this (a refreshed tree's cursor moved)
        self._pending = (view, path)
        since = monotonic() - self._shown_at
        if since >= FOLLOW_INTERVAL:
            self.show(view, path)
        elif self._timer is None:
            self._timer = self.set_timer(FOLLOW_INTERVAL - since, self._show_pending)

    def _show_pending(self) -> None:
        if self._pending is not None:
            self.show(*self._pending)

    def show(self, view: View | None, path: KeyPath | None) -> None:
        """Describe the node at `path` of `view` (attributes down: the screen calls this)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._pending = None
        self._shown_at = monotonic()
        self._showing = None
        self._described = (view, path)
        if view is None:
            text = Text("The config set could not be resolved; see the problems below.")
        elif path is None and not view.root.value:
            text = Text("The merged config is empty; the problems below may say why.")
        elif path is None:
            text = Text("Move the cursor onto a key to see where its value came from.")
        else:
            text = self._describe(view, path, None)
            node = view.root.get(path)
            if node is not None and node.file and self.history is not None:
                self._showing = (view, path)
                self._find_history(self.history, view, path, node)
        set_border_title(self, "why this value")
        self._render_text(text)

    def _describe(self, view: View, path: KeyPath, history: NodeHistory | None) -> Text:
        node = view.node(path)
        problems = view.problems_by_path.get(path, [])
        below = sum(
            len(found)
            for other, found in view.problems_by_path.items()
            if len(other) > len(path) and other[: len(path)] == path
        )
        removal = view.removal_of(path)
        secret = view.resolution.secret_keys.on_path(path)
        revealed = path == self.revealed
        lines = None
        if node is not None and node.kind == SCALAR and is_secret(node):
            lines = secret_text(view, node, revealed, self._held_here(view))
        return describe(
            path,
            node,
            problems,
            below,
            self.colours,
            history,
            removal,
            secret,
            reveal=revealed,
            secret_lines=lines,
        )

    def _held_here(self, view: View) -> list[str]:
        """Recipients whose identity sops' variables hold, read once per view."""
        if self._held is None or self._held[0] is not view:
            self._held = (view, environment_recipients())
        return self._held[1]

    # A description of its own: by default Textual would repr every argument (whole trees).
    @work(
        thread=True,
        exclusive=True,
        group="history",
        exit_on_error=False,
        description="git history of a definition",
    )
    def _find_history(self, history: GitHistory, view: View, path: KeyPath, node: Merged) -> None:
        # git runs here, never on the UI thread; most answers come from the cache.
        found = node_history(history, view.resolution, node)
        if found.known:
            self.post_message(self.HistoryFound(view, path, found))

    def on_detail_pane_history_found(self, message: HistoryFound) -> None:
        message.stop()
        showing = self._showing
        if showing is None or showing[0] is not message.view or showing[1] != message.path:
            return  # the cursor moved on
        self.text = self._describe(message.view, message.path, message.history)
        self.query_one("#detail-body", Static).update(self.text)

    def show_layer(self, view: View | None, name: str) -> None:
        """Describe the layer `name`: where it is, what it wants, and its verdict."""
        layer = view.resolution.layer(name) if view is not None else None
        verdict = view.resolution.verdict(name) if view is not None else None
        if layer is None or verdict is None:
            return
        text = Text("layer ", style="bold")
        text.append_text(self.colours.badge(name))
        text.append("\n")
        _row(text, "file", layer.where)
        _row(text, "priority", "base (always active)" if layer.is_base else str(layer.priority))
        if layer.description:
            _row(text, "about", layer.description)
        state = "active" if verdict.active else "inactive"
        _row(
            text,
            "verdict",
            state + (" (forced)" if verdict.forced else ""),
            "bold green" if verdict.active else "dim",
        )
        if verdict.reasons:
            text.append("\nwhy\n", style="bold")
            for reason in verdict.reasons:
                text.append(f"  • {reason}\n")
        conditions = layer.conditions or {}
        if conditions:
            text.append("\nconditions\n", style="bold")
            for key, wanted in conditions.items():
                text.append(f"  {key}: {wanted}\n", style="dim")
        text.append("\nf forces this layer on, off, or back to its conditions\n", style="dim")
        self._described = None
        set_border_title(self, f"layer {name}")
        self._render_text(text)

    @property
    def shown(self) -> str:
        """The pane's text as shown, without styles (what a test reads)."""
        return self.text.plain


def _row(text: Text, label: str, value: str | Text, style: str = "") -> None:
    text.append(f"{label:<{LABEL_WIDTH - 1}} ", style="bold")
    if isinstance(value, Text):
        text.append_text(value)
    else:
        text.append(value, style=style)
    text.append("\n")


def describe(
    path: KeyPath,
    node: Merged | None,
    problems: list[Problem],
    problems_below: int,
    colours: LayerColours,
    history: NodeHistory | None = None,
    removal: tuple[KeyPath, Removal] | None = None,
    secret: bool = False,
    *,
    reveal: bool = False,
    secret_lines: Text | None = None,
) -> Text:
    """The why pane's text for `path`: secrets masked unless `reveal`; `secret_lines`
    (what is known of a secret value) among the value's rows."""
    text = Text()
    text.append(format_path(path) + "\n", style="bold underline")
    if removal is not None:
        _describe_removed(text, path, node, *removal, colours, secret)
    elif node is None:
        text.append("This key is not in the merged config.\n", style="italic")
    else:
        _describe_node(text, node, colours, history, Reveal(reveal), secret_lines)
    if problems or problems_below:
        text.append("\nproblems\n", style="bold")
        for problem in problems:
            mark = SEVERITY_MARK[problem.severity]
            text.append(f"  {mark} {problem.severity}", style=SEVERITY_STYLE[problem.severity])
            code = f" [{problem.code}]" if problem.code else ""
            text.append(f"{code} {problem.message}\n")
            if problem.location:
                text.append(f"      at {problem.location}\n", style="dim")
        if problems_below:
            text.append(f"  … and {problems_below} below this key\n", style="dim")
    return text


def _origin(colours: LayerColours, layer: str, where: str) -> Text:
    origin = Text()
    if layer:
        origin.append_text(colours.badge(layer))
        origin.append(" ")
    origin.append(where)
    return origin


def _describe_node(
    text: Text,
    node: Merged,
    colours: LayerColours,
    history: NodeHistory | None,
    policy: Reveal,
    secret_lines: Text | None,
) -> None:
    """The winner and what it beat first (what a small pane must show), then the rest."""
    shown = (
        value_text(node, width=400, reveal=policy.reveal)
        if node.kind
        else scalar_text(policy.scalar(node))
    )
    _row(text, "value", shown, value_style(node))
    _row(text, "from", _origin(colours, node.layer, f"{node.file}:{node.line}:{node.column}"))
    if history is not None and history.winner is not None:
        _row(text, "changed", history_text(history.winner))
    changed = history.by_origin(node) if history is not None else {}
    merged = node.merged_over
    beaten = node.beaten
    if beaten:
        _definitions(text, node, BEATEN, beaten, colours, "strike dim", changed, policy)
    if merged:
        _definitions(text, node, MERGED_OVER, merged, colours, "", changed, policy)
    if not beaten and not merged:
        _row(text, BEATEN, NOTHING_BEATEN, "dim")
    if secret_lines is not None:
        text.append_text(secret_lines)
    _row(text, "type", type_name(node))
    _row(text, "directive", node.directive or "none", "" if node.directive else "dim")
    raw = node.node.value
    if isinstance(raw, str) and "$" in raw and raw != node.value:
        # The text before interpolation may hold the secret itself (a default value).
        _row(text, "written", str(policy.value(node, raw)), "dim")
    if node.trace:
        text.append("\ninterpolation\n", style="bold")
        for read in node.trace:
            value = "unset" if read.value is None else repr(policy.value(node, read.value))
            line = f"  ${{{read.name}}} = {value}"
            if read.used_default:
                line += "  → default used"
            text.append(line + "\n", style="dim" if read.value is None else "")


def _describe_removed(
    text: Text,
    path: KeyPath,
    node: Merged | None,
    removed_at: KeyPath,
    removal: Removal,
    colours: LayerColours,
    secret: bool,
) -> None:
    """A key an `!unset` took out: who removed it, where, and what it was."""
    text.append("Not in the merged config: removed with !unset.\n", style="italic")
    by = Text("by ").append_text(_origin(colours, removal.layer, str(removal.origin)))
    if removed_at != path:
        by = Text(f"with its parent {format_path(removed_at)}, ").append_text(by)
    _row(text, "removed", by)
    if node is not None:
        shown = value_text(node, width=400)
        if not node.kind:  # never marked by a resolve: a secret is known by its name
            masked = Reveal().masked(node.value, secret=secret, sealed=sealed_type(node))
            shown = scalar_text(masked)
        _row(text, "it was", shown, "strike dim")
        _row(text, "from", _origin(colours, node.layer, f"{node.file}:{node.line}:{node.column}"))
        _row(text, "type", type_name(node))


def history_text(history: LineHistory) -> Text:
    if not history.committed:
        return Text("not committed yet", style="bold yellow")
    text = Text(history.short, style="bold")
    text.append(f" {history.author} {history.date[:10]}  ")
    text.append(history.summary, style="italic")
    return text


def _definitions(
    text: Text,
    node: Merged,
    label: str,
    definitions: list[Definition],
    colours: LayerColours,
    style: str,
    history: dict[Origin, LineHistory | None],
    policy: Reveal,
) -> None:
    """One row per definition, highest priority first; the label on the first only."""
    for index, definition in enumerate(reversed(definitions)):
        row = Text()
        row.append_text(colours.badge(definition.layer))
        row.append(f" {definition.origin}  ")
        row.append(plain_text(policy.value(node, definition.value)), style=style)
        if definition.directive:
            row.append(f"  {definition.directive}", style="dim")
        _row(text, label if index == 0 else "", row)
        changed = history.get(definition.origin)
        if changed is not None:
            text.append(" " * LABEL_WIDTH + "changed ", style="dim")
            text.append_text(history_text(changed))
            text.append("\n")
