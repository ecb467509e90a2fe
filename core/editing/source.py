"""A layer file as the editor reads it: its bytes, its identity and its text.

The identity (size, mtime, SHA-256 of the bytes) is what a plan was made from; the
writer compares it with the file on disk before it writes anything.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from core.loading import read_source
from core.model import FileIdentity


@dataclass(frozen=True, slots=True)
class FileStamp:
    """Which version of a file: enough to tell that it changed since."""

    path: Path
    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, path: Path, data: bytes, mtime_ns: int) -> FileStamp:
        return cls(path, len(data), mtime_ns, hashlib.sha256(data).hexdigest())


@dataclass(frozen=True, slots=True)
class Source:
    """The bytes of a file, decoded so that encoding the text gives them back exactly."""

    path: Path
    display: str
    data: bytes
    text: str
    encoding: str
    stamp: FileStamp
    mode: int

    @property
    def eol(self) -> str:
        """The file's line ending: CRLF when its first line ends so."""
        first = self.text.find("\n")
        return "\r\n" if first > 0 and self.text[first - 1] == "\r" else "\n"

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)


def encoding_of(data: bytes) -> str:
    """The codec that decodes `data` keeping its BOM as a character."""
    if data[:2] == b"\xff\xfe":
        return "utf-16-le"
    if data[:2] == b"\xfe\xff":
        return "utf-16-be"
    return "utf-8"


def read(path: Path, display: str) -> Source | str:
    """The file's bytes, identity and text, or a sentence saying why it cannot be edited."""
    try:
        before = os.stat(path)
    except OSError:
        before = None
    data, problem = read_source(path, display)
    if data is None or before is None:
        return problem.message if problem else f"{display} cannot be read"
    encoding = encoding_of(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        return f"{display} is not valid {encoding.upper()} (byte {error.start}); cannot edit it"
    if text.encode(encoding) != data:
        return f"{display} does not encode back to the same bytes; cannot edit it byte-exact"
    stamp = FileStamp.of(path, data, before.st_mtime_ns)
    return Source(path, display, data, text, encoding, stamp, before.st_mode & 0o7777)


def current_stamp(path: Path) -> tuple[FileStamp | None, bytes | None]:
    """The file's identity now, and its bytes; (None, None) when it is gone."""
    try:
        info = os.stat(path)
        data = path.read_bytes()
    except OSError:
        return None, None
    return FileStamp.of(path, data, info.st_mtime_ns), data


def same_version(identity: FileIdentity | None, stamp: FileStamp, data: bytes) -> bool:
    """Whether the bytes a resolution was built from (`identity`) are `data`.

    Size and mtime settle it when they agree; a file touched but not changed has the
    same content digest (the parse cache's BLAKE2b).
    """
    if identity is None:
        return True
    if identity.size != stamp.size:
        return False
    if identity.mtime_ns == stamp.mtime_ns:
        return True
    return hashlib.blake2b(data, digest_size=16).hexdigest() == identity.digest
