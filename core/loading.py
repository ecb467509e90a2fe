"""Reading one YAML file into a tree of positioned nodes, fast and without surprises.

The reader walks libyaml's event stream (through `ruamel.yaml.clib`) and builds
`Node`s itself (core/building.py, the rare cases in core/yamlcases.py): that is an
order of magnitude faster than a round-trip load and keeps the line and column of
every key and value. Round-trip loading stays for writing
files back. Whatever is wrong with a file becomes a `Problem`; as much of the tree as
could be read is kept, so a layer with a syntax error low down still shows its
metadata and its good keys.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from core.building import Builder
from core.model import (
    MAPPING,
    SCALAR,
    SEQUENCE,
    Node,
    Problem,
)

MAX_FILE_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Document:
    """One usable YAML document of a file: its root mapping, its place and first line."""

    root: Node
    index: int  # 1-based position among the file's documents
    line: int


@dataclass(slots=True)
class ParsedFile:
    """One file read: its documents, the first one's root mapping (None when nothing
    usable), what went wrong, and a sops file's own `sops:` block, taken out of the
    data so it is never merged."""

    root: Node | None
    problems: list[Problem] = field(default_factory=list)
    sops: Node | None = None
    # Every document whose top level is a mapping, in file order (a multi-document
    # file is a stack of layers).
    documents: list[Document] = field(default_factory=list)


# Keys only sops's metadata block has: a top-level `sops:` holding one of these is
# that block, not a setting that happens to be called so.
_SOPS_MARKERS = frozenset({"mac", "lastmodified", "version", "age", "pgp", "kms"})


def _take_sops_block(root: Node) -> Node | None:
    block: Node | None = root.value.get("sops")
    if block is None or block.kind != MAPPING or not _SOPS_MARKERS & block.value.keys():
        return None
    del root.value["sops"]
    return block


def read_file(path: Path, display: str, layer: str | None = None) -> ParsedFile:
    """Read and parse one layer file; never raises for anything a file can contain."""
    data, problem = read_source(path, display)
    if data is None:
        return ParsedFile(None, [problem] if problem else [])
    return parse_bytes(data, display, layer)


def read_source(path: Path, display: str) -> tuple[bytes | None, Problem | None]:
    """The bytes of a layer file, or the reason it cannot be read as one."""

    def refuse(message: str) -> tuple[None, Problem]:
        return None, Problem(severity="error", message=message, path="", file=display, code="io")

    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            return refuse(f"{display} is a directory, not a YAML file")
        if not stat.S_ISREG(info.st_mode):
            # A FIFO or a device would block the read forever.
            return refuse(f"{display} is not a regular file; refusing to read it")
        size = info.st_size
        if size > MAX_FILE_BYTES:
            limit = MAX_FILE_BYTES // (1024 * 1024)
            return refuse(
                f"{display} is {size / 1e6:.1f} MB, over the {limit} MiB limit for a config"
                " file; refusing to read it"
            )
        return path.read_bytes(), None
    except FileNotFoundError:
        return refuse(f"{display} does not exist")
    except PermissionError:
        return refuse(f"{display} cannot be read: permission denied")
    except OSError as error:
        return refuse(f"{display} cannot be read: {error.strerror or error}")


def _decoded(data: bytes, display: str, layer: str | None) -> str | Problem:
    """The text of UTF-8 bytes (UTF-16 with a BOM), or where it cannot be decoded."""
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        return Problem(
            severity="error",
            message=f"the file is not valid {encoding.upper()}: byte 0x{data[error.start]:02x}"
            " cannot be decoded",
            path="",
            file=display,
            line=line,
            column=column,
            layer=layer,
            code="syntax",
        )


def parse_bytes(data: bytes, display: str, layer: str | None = None) -> ParsedFile:
    """Parse YAML bytes (UTF-8, or UTF-16 with a BOM) into a positioned tree."""
    text = _decoded(data, display, layer)
    if isinstance(text, Problem):
        return ParsedFile(None, [text])
    problems: list[Problem] = []
    builder = Builder(display, layer, problems)
    documents: list[Document] = []
    for index, (root, line) in enumerate(builder.build(text), 1):
        if root is None or (root.kind == SCALAR and root.value is None):
            continue  # a bare '---' document: as empty as an empty file
        if root.kind != MAPPING:
            kind = "a list" if root.kind == SEQUENCE else "a single value"
            problems.append(
                Problem(
                    severity="error",
                    message=f"the top level must be a mapping of keys, not {kind}",
                    file=display,
                    line=root.line,
                    column=root.column,
                    layer=layer,
                    code="syntax",
                )
            )
            continue
        documents.append(Document(root, index, line))
    if not documents and not problems:
        problems.append(
            Problem(
                severity="warning",
                message="the file is empty",
                file=display,
                line=1,
                column=1,
                layer=layer,
                code="empty",
            )
        )
    # sops keeps its metadata in the file's (only) document; a block in any
    # document is taken out so it never reaches the config.
    blocks = [_take_sops_block(document.root) for document in documents]
    sops = next((block for block in blocks if block is not None), None)
    return ParsedFile(documents[0].root if documents else None, problems, sops, documents)
