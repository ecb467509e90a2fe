"""A tree of key paths, built lazily and kept in step with what it shows in place.

A node's children are added when it is first expanded, at most `CHUNK` at a time (a
"… N more" leaf loads the next chunk), so a tree of 60,000 values opens at once and
only what the user looks at becomes widgets' data. `_sync` brings the loaded nodes up
to date with new data: a label is set only where it changed, and nodes are added or
removed only where keys came or went, so the cursor, what was open and the lines
Textual has already rendered stay. A subclass says what the children of a path are
(`_children`) and how a key reads (`label_for`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from core.model import MAPPING, SEQUENCE, Key, KeyPath, Merged
from tui.render import same_text

CHUNK = 400


@dataclass(slots=True)
class Entry:
    """What a tree node stands for: a key path, or the "more" leaf of that path."""

    path: KeyPath
    loaded: int = -1
    """How many of the node's children have been added; -1 before the first expand."""
    more: bool = False


class KeyTree(Tree[Entry]):
    def __init__(self, label: str, *, id: str | None = None) -> None:
        super().__init__(label, Entry(()), id=id)
        self._by_path: dict[KeyPath, TreeNode[Entry]] = {}

    # -- what a subclass says (ConfigTree defines both as methods) ---------------------

    _children: Callable[[KeyPath], list[tuple[Key, Merged]]]
    """The children of the node at `path`, in the order shown."""
    label_for: Callable[[Key, KeyPath, Merged], Text]
    """How the key at `path` reads in the tree."""

    # -- where things are ----------------------------------------------------------------

    @property
    def cursor_path(self) -> KeyPath | None:
        node = self.cursor_node
        if node is None or node.data is None or node.data.more:
            return None
        return node.data.path

    def expanded_paths(self) -> set[KeyPath]:
        return {path for path, node in self._by_path.items() if path and node.is_expanded}

    def shown_label(self, path: KeyPath) -> str | None:
        """The text of the node for `path` as the tree shows it (None: not in the tree)."""
        node = self._by_path.get(path)
        return None if node is None else str(node.label)

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

    # -- building ----------------------------------------------------------------------

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
            node.add_leaf(_more_label(remaining), Entry(entry.path, more=True))

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

    def _add(
        self, parent: TreeNode[Entry], key: Key, child: Merged, before: int | None = None
    ) -> None:
        path = (parent.data.path if parent.data else ()) + (key,)
        label = self.label_for(key, path, child)
        entry = Entry(path)
        node = parent.add(label, entry, before=before, allow_expand=_expandable(child))
        self._by_path[path] = node

    # -- updating in place --------------------------------------------------------------

    def _sync(self, node: TreeNode[Entry]) -> None:
        """Update the loaded children of `node` (and theirs) in place."""
        entry = node.data
        if entry is None or entry.loaded < 0:
            return
        every = self._children(entry.path)
        # As many as were loaded (a chunk at least, as a first expand would add).
        items = every[: max(entry.loaded, CHUNK)]
        remaining = len(every) - len(items)
        if not self._reshape(node, items):
            self._reload(node)
            return
        entry.loaded = len(items)
        for child, (key, merged) in zip(self._keyed(node), items, strict=True):
            self._refresh_child(child, key, merged)
        self._set_more(node, remaining)

    def _keyed(self, node: TreeNode[Entry]) -> list[TreeNode[Entry]]:
        """The children of `node` that stand for keys (not its "more" leaf)."""
        return [child for child in node.children if child.data is not None and not child.data.more]

    def _reshape(self, node: TreeNode[Entry], items: list[tuple[Key, Merged]]) -> bool:
        """Remove the children whose key went, add those whose key came; False (nothing
        changed) when the keys that stay are in another order."""
        keys = [key for key, _child in items]
        old = self._keyed(node)
        if [_key(child) for child in old] == keys:
            return True
        wanted = set(keys)
        staying = [_key(child) for child in old if _key(child) in wanted]
        if staying != [key for key in keys if key in set(staying)]:
            return False
        for child in old:
            if _key(child) not in wanted:
                self._forget(child)
                child.remove()
        have = set(staying)
        for index, (key, merged) in enumerate(items):
            if key not in have:
                self._add(node, key, merged, before=index)
        return True

    def _refresh_child(self, child: TreeNode[Entry], key: Key, merged: Merged) -> None:
        entry = child.data
        assert entry is not None
        label = self.process_label(self.label_for(key, entry.path, merged))
        if not same_text(label, child.label):
            child.set_label(label)
        expandable = _expandable(merged)
        if expandable != child.allow_expand:
            child.allow_expand = expandable
        if expandable and child.is_expanded:
            self._sync(child)
        elif entry.loaded >= 0:
            # Closed, or no longer a mapping or list with something in it: its children
            # are built again when it is next opened, as a rebuild would.
            for grandchild in list(child.children):
                self._forget(grandchild)
            child.remove_children()
            entry.loaded = -1
            if child.is_expanded:
                child.collapse()

    def _set_more(self, node: TreeNode[Entry], remaining: int) -> None:
        """Show (or drop) the node's "… N more" leaf for `remaining` unloaded children."""
        entry = node.data
        assert entry is not None
        more = next((c for c in node.children if c.data is not None and c.data.more), None)
        if remaining > 0 and more is None:
            node.add_leaf(_more_label(remaining), Entry(entry.path, more=True))
        elif remaining > 0 and more is not None:
            label = _more_label(remaining)
            if not same_text(label, more.label):
                more.set_label(label)
        elif more is not None:
            more.remove()

    def _reload(self, node: TreeNode[Entry]) -> None:
        """Build the children of `node` again, reopening what was open below it."""
        entry = node.data
        assert entry is not None
        depth = len(entry.path)
        expanded = {
            path
            for path in self.expanded_paths()
            if len(path) > depth and path[:depth] == entry.path
        }
        for child in list(node.children):
            self._forget(child)
        node.remove_children()
        entry.loaded = -1
        self.populate(node)
        for path in sorted(expanded, key=len):
            found = self._by_path.get(path)
            if found is not None and found.allow_expand:
                self.populate(found)
                found.expand()

    def _forget(self, node: TreeNode[Entry]) -> None:
        """Drop `node` and everything below it from the path index."""
        entry = node.data
        if entry is not None and not entry.more and self._by_path.get(entry.path) is node:
            del self._by_path[entry.path]
        for child in node.children:
            self._forget(child)


def _expandable(node: Merged) -> bool:
    """A mapping or list with something in it opens; anything else is a leaf."""
    return (node.kind == MAPPING or node.kind == SEQUENCE) and bool(node.value)


def _key(node: TreeNode[Entry]) -> Key:
    assert node.data is not None
    return node.data.path[-1]


def _more_label(remaining: int) -> Text:
    return Text(f"… {remaining:,} more (enter to load)", style="italic dim")
