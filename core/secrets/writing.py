"""Reading a file's text and writing it back atomically, refusing a file changed meanwhile.

The temp file sits in the same directory (so the rename is atomic), holds what is
about to be the file (ciphertext, for every command but `decrypt --in-place`), is
flushed to disk, gets the file's mode, and is renamed over the file.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from core.secrets.sopsfile import SecretsError


def read_text(file: Path) -> tuple[str, bytes]:
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise SecretsError("no such file", str(file)) from None
    except OSError as error:
        raise SecretsError(f"cannot be read: {error.strerror}", str(file)) from None
    try:
        return raw.decode("utf-8"), raw
    except UnicodeDecodeError:
        raise SecretsError("is not UTF-8 text", str(file)) from None


def write_atomic(file: Path, text: str, expected: bytes) -> None:
    """Replace `file` with `text` unless it changed since it was read as `expected`.

    A symlink is followed (the file it points to is replaced, the link stays), and the
    file keeps its mode and, where the writer may give it away (sudo), its owner."""
    shown = str(file)
    file = Path(os.path.realpath(file))
    try:
        if file.read_bytes() != expected:
            raise SecretsError(
                "changed on disk while confscope worked on it; nothing was written", shown
            )
        info = os.stat(file)
        mode = stat.S_IMODE(info.st_mode)
        temp = str(file.parent / f".{file.name}.{os.urandom(6).hex()}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise SecretsError(f"cannot be written: {error.strerror}", shown) from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
            os.fchmod(out.fileno(), mode)
            if hasattr(os, "fchown") and (info.st_uid, info.st_gid) != (
                os.geteuid(),
                os.getegid(),
            ):
                with contextlib.suppress(OSError):
                    os.fchown(out.fileno(), info.st_uid, info.st_gid)
        os.replace(temp, file)
    except OSError as error:
        Path(temp).unlink(missing_ok=True)
        raise SecretsError(f"cannot be written: {error.strerror}", shown) from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    try:
        directory = os.open(file.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError:
        pass  # the rename is done; a directory that cannot be fsynced is not an error
