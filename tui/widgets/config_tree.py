"""The merged tree: every key of the effective config, built lazily as it is expanded.

A node's children are added when it is first expanded, at most `CHUNK` at a time (a
"… N more" leaf loads the next chunk), so a tree of 60,000 values opens at once and
only what the user looks at becomes widgets' data. A refresh rebuilds what was
expanded and puts the cursor back where it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

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

CHUNK = 400
REMOVED_STYLE = "dim strike"
# When a filter matches more than this, only the first matches' ancestors open.
AUTO_EXPAND_MATCHES = 200


@dataclass(slots=True)
class Entry:
    """What a tree node stands for: a key path, or the "more" leaf of that path."""

    path: KeyPath
    loaded: int = -1
    """How many of the node's children have been added; -1 before the first expand."""
    more: bool = False


class ConfigTree(Tree[Entry]):
    DEFAULT_CSS = """
    ConfigTree {
        border: round $primary 50%;
        border-title-color: $text-muted;
        padding: 0 1;
        &:focus { border: round $primary; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "collapse_or_parent", "Collapse", show=False, id="tree.collapse"),
        Binding("right", "expand_or_child", "Expand", show=False, id="tree.expand"),
    ]

    @dataclass
    class PathHighlighted(Message):
        """The cursor is on the node for `path` (None: on no key)."""

        tree: ConfigTree
        path: KeyPath | None

    def __init__(self, colours: LayerColours, *, id: str | None = None) -> None:
        super().__init__("config", Entry(()), id=id)
        self.show_root = False
        self.guide_depth = 3
        self.auto_expand = False
        self.colours = colours
        self.view: View | None = None
        self.shown_paths: set[KeyPath] | None = None
        self.matched: set[KeyPath] = set()
        self._by_path: dict[KeyPath, TreeNode[Entry]] = {}
        self.revealed: KeyPath | None = None
        """The one secret shown in the clear, on request (the screen sets it)."""

    # -- what the screen calls -------------------------------------------------------

    def show(
        self,
        view: View | None,
        visible: set[KeyPath] | None = None,
        matches: list[KeyPath] | None = None,
    ) -> None:
        """Show `view` (or nothing), keeping what was expanded and the cursor.

        With `visible`, show only those paths (a filter's matches and their ancestors;
        below a match, everything).
        """
        expanded = self.expanded_paths()
        cursor = self.cursor_path
        scroll_y = self.scroll_y
        self.view = view
        self.shown_paths = visible
        self.matched = set(matches or ())
        self._rebuild(expanded, cursor, scroll_y)

    def apply_filter(self, visible: set[KeyPath] | None, matches: list[KeyPath]) -> None:
        """Show only `visible` paths (None: everything), opening the first matches."""
        cursor = self.cursor_path
        expanded = set() if visible is not None else self.expanded_paths()
        for path in matches[:AUTO_EXPAND_MATCHES]:
            expanded.update(path[:depth] for depth in range(len(path)))
        if visible is not None:
            cursor = matches[0] if matches else None
        self.shown_paths = visible
        self.matched = set(matches)
        self._rebuild(expanded, cursor, 0.0)

    @property
    def cursor_path(self) -> KeyPath | None:
        node = self.cursor_node
        if node is None or node.data is None or node.data.more:
            return None
        return node.data.path

    def set_revealed(self, path: KeyPath | None) -> None:
        """Show the secret at `path` in the clear (None: none), relabelling the nodes."""
        before, self.revealed = self.revealed, path
        for changed in {before, path} - {None, ()}:
            assert changed is not None
            node = self._by_path.get(changed)
            merged = self.merged(changed)
            if node is not None and merged is not None:
                node.set_label(self.label_for(changed[-1], changed, merged))

    def expanded_paths(self) -> set[KeyPath]:
        return {path for path, node in self._by_path.items() if path and node.is_expanded}

    def reveal(self, path: KeyPath) -> KeyPath | None:
        """Open the tree down to `path` and put the cursor on it.

        Returns the path the cursor landed on: `path`, or its nearest shown ancestor
        when `path` is not in the tree (a problem about a missing key, say).
        """
        node = self.root
        landed: KeyPath | None = None
        for depth in range(1, len(path) + 1):
            prefix = path[:depth]
            self._load_until(node, prefix)
            child = self._by_path.get(prefix)
            if child is None:
                break
            if depth < len(path):
                child.expand()
            node, landed = child, prefix
        if landed is not None:
            self._move_to(node)
        return landed

    # -- building ----------------------------------------------------------------------

    def _rebuild(self, expanded: set[KeyPath], cursor: KeyPath | None, scroll_y: float) -> None:
        self.clear()
        self.root.data = Entry(())
        self._by_path = {(): self.root}
        if self.view is None:
            self.border_title = "no config"
            return
        self.border_title = self._title()
        self.populate(self.root)
        for path in sorted(expanded, key=len):
            node = self._by_path.get(path)
            if node is not None and node.allow_expand:
                self.populate(node)
                node.expand()
        self._lines_now()
        self.scroll_to(y=scroll_y, animate=False, immediate=True)
        target = self._nearest(cursor) if cursor is not None else None
        if target is None and self.root.children:
            target = self.root.children[0]
        if target is not None:
            self._move_to(target)

    def _title(self) -> str:
        assert self.view is not None
        stale = self.view.stale_because
        if stale is not None:
            return f"merged config: last good tree ({stale.location} has a syntax error)"
        if self.shown_paths is not None:
            count = len(self.matched)
            return f"merged config: filtered, {count} match{'es' if count != 1 else ''}"
        return "merged config"

    def _nearest(self, path: KeyPath) -> TreeNode[Entry] | None:
        for depth in range(len(path), 0, -1):
            node = self._by_path.get(path[:depth])
            if node is not None:
                return node
        return None

    def _lines_now(self) -> int:
        # Reading `last_line` lays out the tree now, so node lines are current.
        return self.last_line

    def _move_to(self, node: TreeNode[Entry]) -> None:
        self._lines_now()
        self.move_cursor(node)
        self.scroll_to_node(node, animate=False)

    def merged(self, path: KeyPath) -> Merged | None:
        return self.view.node(path) if self.view is not None else None

    def _children(self, path: KeyPath) -> list[tuple[Key, Merged]]:
        if self.view is None:
            return []
        items = self.view.children(path)
        if self.shown_paths is not None and not self._below_match(path):
            items = [(key, child) for key, child in items if path + (key,) in self.shown_paths]
        return items

    def _below_match(self, path: KeyPath) -> bool:
        return any(path[:depth] in self.matched for depth in range(len(path), 0, -1))

    def populate(self, node: TreeNode[Entry]) -> None:
        """Add the node's first chunk of children, once."""
        entry = node.data
        if entry is None or entry.more or entry.loaded >= 0:
            return
        entry.loaded = 0
        self._load_chunk(node)

    def _load_chunk(self, node: TreeNode[Entry]) -> None:
        entry = node.data
        assert entry is not None
        children = self._children(entry.path)
        for key, child in islice(children, entry.loaded, entry.loaded + CHUNK):
            self._add(node, key, child)
        entry.loaded = min(len(children), entry.loaded + CHUNK)
        remaining = len(children) - entry.loaded
        if remaining > 0:
            label = Text(f"… {remaining:,} more (enter to load)", style="italic dim")
            node.add_leaf(label, Entry(entry.path, more=True))

    def _load_until(self, node: TreeNode[Entry], path: KeyPath) -> None:
        self.populate(node)
        entry = node.data
        assert entry is not None
        while path not in self._by_path and self._load_more(node):
            pass

    def _load_more(self, node: TreeNode[Entry]) -> bool:
        """Replace the node's "more" leaf by the next chunk; False if there is none."""
        more = next((c for c in node.children if c.data is not None and c.data.more), None)
        if more is None:
            return False
        more.remove()
        self._load_chunk(node)
        return True

    def _add(self, parent: TreeNode[Entry], key: Key, child: Merged) -> None:
        path = (parent.data.path if parent.data else ()) + (key,)
        label = self.label_for(key, path, child)
        entry = Entry(path)
        if child.kind == MAPPING or child.kind == SEQUENCE:
            node = parent.add(label, entry, allow_expand=bool(child.value))
        else:
            node = parent.add_leaf(label, entry)
        self._by_path[path] = node

    def label_for(self, key: Key, path: KeyPath, node: Merged) -> Text:
        removal = self.view.removal_of(path) if self.view is not None else None
        if removal is not None:
            return self._removed_label(key, path, node, *removal)
        severity = self.view.severity.get(path) if self.view is not None else None
        label = Text(no_wrap=True, end="")
        label.append(key_text(key), style=SEVERITY_STYLE[severity] if severity else "bold")
        label.append(": ")
        shown = value_text(node, reveal=path == self.revealed)
        label.append(shown, style=value_style(node))
        if node.layer:
            label.append(" ")
            label.append_text(self.colours.badge(node.layer))
        beaten = node.beaten
        if beaten:
            label.append(f" ↑{len(beaten)}", style="bold magenta")
        if severity:
            label.append(f" {SEVERITY_MARK[severity]}", style=SEVERITY_STYLE[severity])
        return label

    def _removed_label(
        self, key: Key, path: KeyPath, node: Merged, removed_at: KeyPath, removal: Removal
    ) -> Text:
        """A key an `!unset` took out: struck and dimmed; where it went on the key removed."""
        label = Text(no_wrap=True, end="")
        label.append(key_text(key), style=REMOVED_STYLE)
        label.append(": ", style="dim")
        shown = value_text(node)
        if node.kind != MAPPING and node.kind != SEQUENCE and self.view is not None:
            # Never marked by a resolve: a secret is known by its key's name.
            secret = self.view.resolution.secret_keys.on_path(path)
            masked = Reveal().masked(node.value, secret=secret, sealed=sealed_type(node))
            shown = plain_text(masked)
        label.append(shown, style=REMOVED_STYLE)
        if path == removed_at:
            label.append(" removed by ", style="dim italic")
            label.append_text(self.colours.badge(removal.layer))
        return label

    # -- events ------------------------------------------------------------------------

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[Entry]) -> None:
        self.populate(event.node)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[Entry]) -> None:
        entry = event.node.data
        path = None if entry is None or entry.more else entry.path
        self.post_message(self.PathHighlighted(self, path))

    def on_tree_node_selected(self, event: Tree.NodeSelected[Entry]) -> None:
        node = event.node
        if node.data is not None and node.data.more and node.parent is not None:
            event.stop()
            parent = node.parent
            index = parent.data.loaded if parent.data is not None else 0
            self._load_more(parent)
            self._lines_now()
            if index < len(parent.children):
                self._move_to(parent.children[index])
        elif node.allow_expand:
            node.toggle()

    def action_collapse_or_parent(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self._move_to(node.parent)

    def action_expand_or_child(self) -> None:
        node = self.cursor_node
        if node is None or not node.allow_expand:
            return
        if not node.is_expanded:
            self.populate(node)
            node.expand()
        elif node.children:
            self._lines_now()
            self._move_to(node.children[0])
