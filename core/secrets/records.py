"""What `document.read` finds in a sops file: leaves and comments with their spans."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.secrets.values import Plain, go_plain, is_encrypted

if TYPE_CHECKING:
    from core.model import KeyPath


class Leaf:
    """A scalar value of the data (or of the `sops:` block) and where it stands.

    `path` has mapping keys and list indices, `keys` the mapping keys only (what the
    AAD is made of); `style` is "" (plain), "'", '"', "|" or ">"; `flow` says the value
    sits inside a [...] or {...} collection. Slotted classes, not dataclasses, keep
    the start of `secrets decrypt` short.
    """

    __slots__ = ("end", "flow", "keys", "line", "path", "start", "style", "tag", "text")

    def __init__(
        self,
        path: KeyPath,
        keys: tuple[str, ...],
        start: int,
        end: int,
        text: str,
        style: str,
        tag: str | None,
        flow: bool,
        line: int,
    ) -> None:
        self.path = path
        self.keys = keys
        self.start = start
        self.end = end
        self.text = text
        self.style = style
        self.tag = tag
        self.flow = flow
        self.line = line

    @property
    def aad(self) -> str:
        return aad(self.keys)

    @property
    def encrypted(self) -> bool:
        return self.style in ("", "'", '"') and self.tag is None and is_encrypted(self.text)

    def plain(self) -> Plain | None:
        """The value go-yaml gives this scalar when it is not encrypted; None for null."""
        if self.style or self.tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:binary"):
            return Plain(self.text, "str")
        if self.tag is None or self.tag.startswith("tag:yaml.org,2002:"):
            return go_plain(self.text)
        return Plain(self.text, "str")


class Comment:
    """A comment: `#text` on a line, or a sops list-item comment `- ENC[...]`.

    `start`/`end` span the text after `#` (or, for an item, the whole `- ENC[...]`).
    `keys` is the collection it belongs to; `candidates` are other plausible owners,
    tried in order when opening a comment someone else's layout rules placed.
    """

    __slots__ = ("candidates", "end", "item", "keys", "line", "start", "text")

    def __init__(
        self,
        keys: tuple[str, ...],
        start: int,
        end: int,
        text: str,
        item: bool,
        line: int,
        candidates: tuple[tuple[str, ...], ...],
    ) -> None:
        self.keys = keys
        self.start = start
        self.end = end
        self.text = text
        self.item = item
        self.line = line
        self.candidates = candidates


def aad(keys: tuple[str, ...]) -> str:
    return ":".join(keys) + ":"


class Document:
    """Every leaf and comment of the data, and the `sops:` block read as plain data."""

    __slots__ = (
        "comments",
        "indent",
        "item_blocks",
        "leaves",
        "meta_leaves",
        "meta_span",
        "metadata",
        "root_flow",
        "text",
    )

    def __init__(self, text: str) -> None:
        self.text = text
        self.leaves: list[Leaf] = []
        self.comments: list[Comment] = []
        self.metadata: dict[str, Any] | None = None
        self.meta_span: tuple[int, int] | None = None  # the `sops:` line to the block's end
        self.meta_leaves: dict[KeyPath, Leaf] = {}
        self.indent = 4  # the data's mapping indentation, for a new `sops:` block alike
        self.root_flow = False  # the top-level mapping is written {...}
        self.item_blocks: set[int] = set()  # line starts of block collections that are list items
