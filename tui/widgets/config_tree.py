"""The merged tree: every key of the effective config, built lazily as it is expanded.

A new resolution updates the nodes on screen in place (`KeyTree._sync`); a new filter
rebuilds what was expanded and puts the cursor back where it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Tree

from core.model import Key, KeyPath, Merged
from tui.render import LayerColours
from tui.view import View
from tui.widgets.key_tree import Entry, KeyTree
from tui.widgets.titles import set_border_title
from tui.widgets.tree_labels import node_label

# When a filter matches more than this, only the first matches' ancestors open.
AUTO_EXPAND_MATCHES = 200


class ConfigTree(KeyTree):
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
        super().__init__("config", id=id)
        self.show_root = False
        self.guide_depth = 3
        self.auto_expand = False
        self.colours = colours
        self.view: View | None = None
        self.shown_paths: set[KeyPath] | None = None
        self.matched: set[KeyPath] = set()
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
        below a match, everything). A tree already on screen is updated in place: only
        the nodes whose label changed are redrawn, and nodes are added or removed only
        where keys came or went.
        """
        in_place = self.view is not None and view is not None
        expanded = set() if in_place else self.expanded_paths()
        cursor = self.cursor_path
        scroll_y = self.scroll_y
        self.view = view
        self.shown_paths = visible
        self.matched = set(matches or ())
        if in_place:
            self._update(cursor)
        else:
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

    def set_revealed(self, path: KeyPath | None) -> None:
        """Show the secret at `path` in the clear (None: none), relabelling the nodes."""
        before, self.revealed = self.revealed, path
        for changed in {before, path} - {None, ()}:
            assert changed is not None
            node = self._by_path.get(changed)
            merged = self.merged(changed)
            if node is not None and merged is not None:
                node.set_label(self.label_for(changed[-1], changed, merged))

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
            if depth < len(path) and not child.is_expanded:
                child.expand()  # expanding again would throw away every rendered line
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
        self._cursor_back(cursor)

    def _update(self, cursor: KeyPath | None) -> None:
        """Bring the nodes on screen up to date with `self.view`, cursor kept."""
        set_border_title(self, self._title())
        self._sync(self.root)
        self._cursor_back(cursor)

    def _cursor_back(self, cursor: KeyPath | None) -> None:
        """Put the cursor on `cursor`, or its nearest shown ancestor, or the first key."""
        self._lines_now()
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

    def label_for(self, key: Key, path: KeyPath, node: Merged) -> Text:
        return node_label(self.view, self.colours, key, path, node, revealed=path == self.revealed)

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
