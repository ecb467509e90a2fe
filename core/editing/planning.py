"""Plans: one edit of one layer file, worked out in full before anything is written.

A plan holds the bytes it was made from (and their identity), the bytes to write,
the one span that differs, and a proof: the new text was re-parsed and only the
intended path changed. `plan_set`, `plan_remove` and `plan_unset_directive` return a
plan or a `Problem` saying why the edit is refused; they never write.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import _ruamel_yaml
from ruamel.yaml.error import YAMLError

from core.editing.checking import ANY, REMOVED, Expectation, Window, check
from core.editing.hints import entry_window
from core.editing.refusals import refusal, removed_anchor, shared_value
from core.editing.rendering import double_quoted, reads_back, render_inline
from core.editing.source import FileStamp, Source, encoding_of, read
from core.editing.spans import SCALAR, Located, line_start, locate, parent_of, target_of
from core.editing.splicing import (
    Splice,
    ValueHook,
    after_line,
    entry_end,
    insert_path,
    removal_target,
    remove_entry,
    replace_value,
    unset_directive,
)
from core.model import KeyPath, LayerFile, Problem, format_path, parse_path

Action = Literal["set", "remove", "unset"]


@dataclass(frozen=True, slots=True)
class EditPlan:
    """One planned change of one file: what it was, what it becomes, where."""

    action: Action
    path: KeyPath
    layer: str | None
    file: Path
    display: str
    stamp: FileStamp  # the file as planned from; the writer refuses if it changed
    before: bytes  # what undo writes back
    after: bytes
    mode: int
    splice: Splice  # characters of the decoded text
    line: int  # 1-based line where the change starts
    description: str  # for people: "set database.port = 5433 in base.yml:12"
    notes: tuple[str, ...] = ()  # what the user should know, not a refusal

    @classmethod
    def from_source(
        cls,
        source: Source,
        action: Action,
        path: KeyPath,
        layer: str | None,
        new_text: str,
        splice: Splice,
        line: int,
        description: str,
    ) -> EditPlan:
        """The plan that turns `source` into `new_text`; `description` gets FILE:LINE."""
        return cls(
            action,
            path,
            layer,
            source.path,
            source.display,
            source.stamp,
            source.data,
            source.encode(new_text),
            source.mode,
            splice,
            line,
            f"{description} {source.display}:{line}",
        )

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        """The change as a unified diff, `a/FILE` and `b/FILE`."""
        old = self.before.decode(encoding_of(self.before), errors="replace")
        new = self.after.decode(encoding_of(self.after), errors="replace")
        lines = difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            f"a/{self.display}",
            f"b/{self.display}",
        )
        out = []
        for line in lines:
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        return "".join(out)


def _key_path(path: KeyPath | str) -> KeyPath:
    """A key path as given: a tuple of keys, or the text `confscope set` reads."""
    return parse_path(path) if isinstance(path, str) else tuple(path)


def _entry_window(source: Source, found: Located, path: KeyPath, splice: Splice) -> Window | None:
    """The lines of the entry at `path` alone, when they can be read on their own.

    A block mapping entry whose key starts its line, and whose lines all sit at or
    right of that key, reads the same cut out and dedented as in its file: the next
    line at that column closes everything the entry opened, as the end of the text does.
    """
    parent = parent_of(found, path)
    entry = parent.entry(path[-1]) if parent is not None else None
    if parent is None or entry is None or parent.flow or not parent.is_map:
        return None
    text = source.text
    start = line_start(text, entry.start)
    if text[start : entry.start].strip() or start > splice.start:
        return None
    end = after_line(text, entry_end(text, entry))
    if splice.end > end:
        return None
    delta = len(splice.text) - (splice.end - splice.start)
    return Window(start, end, end + delta, len(path) - 1, entry.start - start)


def _window(source: Source, found: Located, path: KeyPath, splice: Splice) -> Window | None:
    """The top-level entry the splice falls in, or None to check the whole file."""
    if not found.block_root or not path:
        return None
    delta = len(splice.text) - (splice.end - splice.start)
    root = found.chain[0]
    entry = root.entry(path[0])
    if entry is None:
        if splice.start == splice.end and any(
            end == splice.start for _start, end in found.root_entries
        ):
            return Window(splice.start, splice.start, splice.start + len(splice.text))
        return None
    for start, end in found.root_entries:
        if start <= entry.start < end and start <= splice.start and splice.end <= end:
            return Window(start, end, end + delta)
    return None


def _finish(
    source: Source,
    found: Located,
    action: Action,
    path: KeyPath,
    layer: str | None,
    splice: Splice | str,
    expectation: Expectation,
    description: str,
) -> EditPlan | Problem:
    if isinstance(splice, str):
        entry = target_of(found, path)
        return refusal(splice, path, source.display, entry.line if entry is not None else None)
    if splice.end > splice.start:
        lost = removed_anchor(source, found.document, splice.start, splice.end)
        if lost is not None:
            return refusal(lost[0], path, source.display, lost[1])
    new_text = splice.apply(source.text)
    window = None
    if action == "set" and target_of(found, path) is not None:
        window = _entry_window(source, found, path, splice)
    if window is None:
        window = _window(source, found, path, splice)
    line = source.text.count("\n", 0, splice.start) + 1
    failure = check(source.text, new_text, expectation, window, source.display, found.document)
    if failure is not None:
        return refusal(failure, path, source.display, line)
    return EditPlan.from_source(source, action, path, layer, new_text, splice, line, description)


def _prepare(
    file: Path,
    display: str,
    path: KeyPath,
    *,
    until_target: bool = False,
    loaded: LayerFile | None = None,
    document: int = 0,
) -> tuple[Source, Located] | Problem:
    if not path:
        return refusal("no key given", path, display)
    source = read(file, display)
    if isinstance(source, str):
        return refusal(source, path, display)
    found: Located | None = None
    window = entry_window(source, loaded, path[0])
    if window is not None:
        found = locate(source.text, path, until_target=until_target, window=window)
        found.document = max(document, 1)
        chain = found.chain
        if found.error is not None or not (
            len(chain) >= 2 or (chain and chain[0].entry(path[0]) is not None)
        ):
            found = None  # not what the tree said: read the file from the top
    if found is None:
        found = locate(source.text, path, until_target=until_target, document=max(document, 1))
        if not until_target and found.chain and found.chain[0].flow and found.error is None:
            # The walk stops after the top-level entry it wants; in a flow mapping at the
            # top, a removal needs that entry's siblings too (for the commas).
            found = locate(source.text, path, everything=True, document=max(document, 1))
    if found.error is None and window is None:
        found.error = syntax_error(source.text)  # the walk stopped at its entry's end
    if found.error is not None:
        return refusal(f"{found.error}; fix it before editing", path, display)
    shared = shared_value(source, found, path)
    if shared is not None:
        message, line = shared
        return refusal(message, path, display, line)
    return source, found


def syntax_error(text: str) -> str | None:
    """libyaml's first complaint about the whole text, located; None if it reads.
    (With a loaded layer the resolution already knows: its problems say so.)"""
    try:
        parser = _ruamel_yaml.CParser(text)
        while parser.get_event() is not None:
            pass
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "the file"
        what = getattr(error, "problem", None) or str(error).splitlines()[0]
        return f"YAML syntax error at {where}: {what}"
    return None


def plan_set(
    file: Path | str,
    display: str,
    path: KeyPath | str,
    value: Any,
    *,
    layer: str | None = None,
    hook: ValueHook | None = None,
    loaded: LayerFile | None = None,
    document: int = 0,
    spelling: str | None = None,
) -> EditPlan | Problem:
    """`path` holds `value` in this file: replaced where it stands, or created.

    `spelling` is how the user wrote a number (`0o640`, `0x1F`, `1e3`): written as
    typed where it reads back as `value`, not as Python prints it.

    `loaded` is the layer as a resolution parsed this file: while the file is still
    that version, its tree tells which lines to read. `document` is the 1-based YAML
    document of a multi-document file (0: the file's only one).
    """
    file, path = Path(file), _key_path(path)
    prepared = _prepare(file, display, path, until_target=True, loaded=loaded, document=document)
    if isinstance(prepared, Problem):
        return prepared
    source, found = prepared
    entry = target_of(found, path)
    if entry is not None:
        parent = found.chain[len(path) - 1]
        splice = replace_value(source.text, parent, entry, path, value, source.eol, hook, spelling)
    else:
        in_flow = bool(found.chain) and found.chain[-1].flow  # `{a: 1}` takes `, b: …`
        written = render_inline(value, flow=in_flow)
        if isinstance(value, str) and not reads_back(written, value, in_flow):
            written = double_quoted(value)
        if spelling is not None and reads_back(spelling, value, in_flow):
            written = spelling
        if hook is not None:
            written = hook(path, value, written)
        splice = insert_path(source.text, found, path, written, source.eol)
    expected = Expectation(path, ANY if hook is not None else value)
    shown = "<hidden>" if hook is not None else spelling or render_inline(value)
    return _finish(
        source, found, "set", path, layer, splice, expected, f"set {format_path(path)} = {shown} in"
    )


def plan_remove(
    file: Path | str,
    display: str,
    path: KeyPath | str,
    *,
    layer: str | None = None,
    loaded: LayerFile | None = None,
    document: int = 0,
) -> EditPlan | Problem:
    """Take `path`'s definition out of this file; a mapping or list left empty goes too."""
    file, path = Path(file), _key_path(path)
    prepared = _prepare(file, display, path, loaded=loaded, document=document)
    if isinstance(prepared, Problem):
        return prepared
    source, found = prepared
    if target_of(found, path) is None:
        return refusal(f"{display} does not define {format_path(path)}", path, display)
    parent, entry, removed = removal_target(found, path)
    splice = remove_entry(source.text, parent, entry)
    what = format_path(path)
    if removed != path:
        what += f" (and {format_path(removed)}, left empty)"
    return _finish(
        source,
        found,
        "remove",
        path,
        layer,
        splice,
        Expectation(removed, REMOVED),
        f"remove {what} from",
    )


def plan_unset_directive(
    file: Path | str,
    display: str,
    path: KeyPath | str,
    *,
    layer: str | None = None,
    loaded: LayerFile | None = None,
    document: int = 0,
) -> EditPlan | Problem:
    """Write `key: !unset` in this file, so the key leaves the merged config."""
    file, path = Path(file), _key_path(path)
    prepared = _prepare(file, display, path, loaded=loaded, document=document)
    if isinstance(prepared, Problem):
        return prepared
    source, found = prepared
    entry = target_of(found, path)
    if entry is not None:
        if entry.value.kind == SCALAR and entry.value.tag == "!unset":
            return refusal(
                f"{format_path(path)} is already !unset at line {entry.line}",
                path,
                display,
                entry.line,
            )
        splice: Splice | str = unset_directive(source.text, entry, source.eol)
    else:
        splice = insert_path(source.text, found, path, "!unset", source.eol)
    if isinstance(splice, Splice) and source.text[splice.end : splice.end + 1] in (",", "]", "}"):
        # In a flow collection a tag needs a space after it: `!unset,` is one tag.
        splice = Splice(splice.start, splice.end, splice.text + " ")
    return _finish(
        source,
        found,
        "unset",
        path,
        layer,
        splice,
        Expectation(path, None),
        f"write {format_path(path)}: !unset in",
    )
