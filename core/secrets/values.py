"""One sops value: `ENC[AES256_GCM,...]` both ways, and the bytes the MAC hashes.

sops is a Go program reading YAML with go-yaml v3, so the type a plain scalar gets and
the bytes a value stands for are Go's: `0x1F` is the int 31, `2020-01-01` is a time
written back as `2020-01-01T00:00:00Z`, a float is hashed the way Go's
`strconv.FormatFloat(f, 'f', -1, 64)` prints it. AES-GCM comes from `cryptography`.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
import re
from datetime import date
from typing import Any

IV_BYTES = 32  # sops uses a 32-byte GCM nonce, not the usual 12
TAG_BYTES = 16
TYPES = frozenset({"str", "int", "float", "bool", "time", "bytes", "comment"})
_ENC = re.compile(r"^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]")


class ValueError_(Exception):
    """A value that cannot be read or opened; str(e) says why, without the plaintext."""


class Plain:
    """A decrypted (or never encrypted) leaf: its Python value and its sops type.

    `value` is a str, int, float or bool; a time is its RFC 3339 text (str) with
    type "time", a comment its text (after the `#`) with type "comment". (A slotted
    class rather than a dataclass: `secrets decrypt` starts faster without the
    dataclasses machinery, and sops' speed is the bar.)
    """

    __slots__ = ("type", "value")

    def __init__(self, value: Any, type: str) -> None:
        self.value = value
        self.type = type

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Plain)
            and self.type == other.type
            and (
                self.value == other.value
                or (self.value != self.value and other.value != other.value)
            )
        )

    def __hash__(self) -> int:
        return hash((self.type, self.mac_bytes()))

    def __repr__(self) -> str:
        return f"Plain({self.value!r}, {self.type!r})"

    def mac_bytes(self) -> bytes:
        """What sops feeds the MAC for this leaf (Go's `ToBytes`)."""
        value, kind = self.value, self.type
        if kind == "bool":
            return b"True" if value else b"False"
        if kind == "int":
            return str(value).encode()
        if kind == "float":
            return go_float(value).encode()
        if kind == "bytes" and isinstance(value, bytes):
            return value
        return str(value).encode("utf-8", "surrogateescape")

    def plaintext(self) -> bytes:
        """The bytes sops encrypts for this value (the same as the MAC's)."""
        return self.mac_bytes()


def is_encrypted(text: object) -> bool:
    return isinstance(text, str) and text.startswith("ENC[AES256_GCM,")


def go_float(value: float) -> str:
    """`strconv.FormatFloat(value, 'f', -1, 64)`: the shortest digits, never an exponent."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    from decimal import Decimal

    text = format(Decimal(repr(value)).normalize(), "f")
    return "-0" if text == "-0" or (value == 0 and math.copysign(1, value) < 0) else text


class Sealed:
    """The four fields of an `ENC[...]` value."""

    __slots__ = ("data", "iv", "tag", "type")

    def __init__(self, data: bytes, iv: bytes, tag: bytes, type: str) -> None:
        self.data, self.iv, self.tag, self.type = data, iv, tag, type

    def text(self) -> str:
        b64 = base64.b64encode
        return (
            f"ENC[AES256_GCM,data:{b64(self.data).decode()},iv:{b64(self.iv).decode()},"
            f"tag:{b64(self.tag).decode()},type:{self.type}]"
        )


def parse(text: str) -> Sealed:
    # Base64 has no commas, so a well-formed value splits into exactly four fields;
    # anything else goes through sops' own pattern for the same verdict.
    fields = text[15:-1].split(",") if text.startswith("ENC[AES256_GCM,") else ()
    if (
        len(fields) == 4
        and text.endswith("]")
        and fields[0][:5] == "data:"
        and fields[1][:3] == "iv:"
        and fields[2][:4] == "tag:"
        and fields[3][:5] == "type:"
    ):
        parts: tuple[str, ...] = (fields[0][5:], fields[1][3:], fields[2][4:], fields[3][5:])
    else:
        match = _ENC.match(text)
        if match is None:
            raise ValueError_("the value is not in sops' ENC[AES256_GCM,...] format")
        parts = match.groups()
    decode = binascii.a2b_base64
    try:
        data = decode(parts[0], strict_mode=True)
        iv = decode(parts[1], strict_mode=True)
        tag = decode(parts[2], strict_mode=True)
    except (binascii.Error, ValueError):
        raise ValueError_("the encrypted value is not valid base64 (a truncated file?)") from None
    kind = parts[3]
    if kind not in TYPES:
        raise ValueError_(f"the encrypted value has an unknown type {kind!r}")
    if len(tag) != TAG_BYTES or not iv:
        raise ValueError_("the encrypted value's iv or tag has the wrong length")
    return Sealed(data, iv, tag, kind)


def aesgcm_class() -> Any:
    """`cryptography`'s AESGCM. The public `cryptography.hazmat.primitives.ciphers.aead`
    module only re-exports this class from the Rust binding; taking it from there skips
    the ciphers package's imports, about a sixth of what `secrets decrypt` spends before
    its first value (see `make bench`, where sops sets the bar). A test checks that it
    is the public class; should the binding move, the public path is used."""
    try:
        from cryptography.hazmat.bindings._rust import openssl

        return openssl.aead.AESGCM
    except (ImportError, AttributeError):  # pragma: no cover - another cryptography layout
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        return AESGCM


class Cipher:
    """AES-256-GCM with one data key; remembers the IV of each value it opened.

    sops keeps the IV (and so the ciphertext) of a value that did not change when it
    re-encrypts a file: `seal` reuses the IV recorded by `open` for the same plaintext
    and AAD, which is what keeps the diff of a re-saved file small.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError_("the data key is not 32 bytes")
        self._aead = aesgcm_class()(key)
        self._ivs: dict[tuple[str, bytes, str], bytes] = {}

    def open(self, text: str, aad: str) -> Plain:
        sealed = parse(text)
        try:
            raw = self._aead.decrypt(sealed.iv, sealed.data + sealed.tag, aad.encode())
        except Exception as error:
            from cryptography.exceptions import InvalidTag  # loaded by the raise already

            if not isinstance(error, InvalidTag):
                raise
            raise ValueError_(
                "the value does not decrypt: it was tampered with, moved to another key,"
                " or encrypted with another data key"
            ) from None
        plain = from_plaintext(raw, sealed.type)
        self._ivs[(aad, plain.plaintext(), plain.type)] = sealed.iv
        return plain

    def seal(self, plain: Plain, aad: str) -> str:
        raw = plain.plaintext()
        iv = self._ivs.get((aad, raw, plain.type)) or os.urandom(IV_BYTES)
        out = self._aead.encrypt(iv, raw, aad.encode())
        return Sealed(out[:-TAG_BYTES], iv, out[-TAG_BYTES:], plain.type).text()


def from_plaintext(raw: bytes, kind: str) -> Plain:
    """The decrypted bytes of a value of sops type `kind`, as sops would read them."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        if kind == "bytes":
            return Plain(raw, "bytes")
        raise ValueError_("the decrypted value is not UTF-8 text") from None
    try:
        if kind == "int":
            return Plain(int(text, 10), "int")
        if kind == "float":
            return Plain(float(text), "float")
        if kind == "bool":
            return Plain(_go_bool(text), "bool")
        if kind == "time":
            return Plain(_canonical_time(text), "time")
    except ValueError:
        raise ValueError_(f"the decrypted value is not a valid {kind}") from None
    return Plain(text, kind if kind in ("comment", "bytes") else "str")


def _go_bool(text: str) -> bool:
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise ValueError(text)


def _canonical_time(text: str) -> str:
    stamp = go_timestamp(text, rfc3339_only=True)
    if stamp is None:
        raise ValueError(text)
    return stamp


# go-yaml v3's reading of an untagged plain scalar (resolve.go), for the types sops uses.
_YAML_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_DOT_FLOAT = re.compile(r"^\.[0-9]+(?:_[0-9]+)*(?:[eE][-+]?[0-9]+(?:_[0-9]+)*)?\Z")
_GO_INT = re.compile(
    r"^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$", re.ASCII
)
# Go's time.Parse with go-yaml's layouts: a space in the layout takes a run of spaces,
# the fraction may follow `.` or `,` and has any number of digits (past 9, cut off).
_STAMP = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:([Tt]| +)(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,](\d+))?(Z|[+-]\d{2}:\d{2})?)?\Z",
    re.ASCII,
)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_MAP = {
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
    ".nan": math.nan,
    ".NaN": math.nan,
    ".NAN": math.nan,
    **{s: math.inf for s in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")},
    **{s: -math.inf for s in ("-.inf", "-.Inf", "-.INF")},
}
INT64 = (-(2**63), 2**63 - 1)


def go_plain(text: str) -> Plain | None:
    """The value go-yaml v3 gives an untagged plain scalar; None for a null."""
    if text in _NULLS:
        return None
    first = text[0]
    if first in "yYnNtTfFoO~.+-0123456789":
        known = _MAP.get(text)
        if known is not None:
            return Plain(known, "bool" if isinstance(known, bool) else "float")
    if first == ".":
        # Go's ParseFloat: `_` only between digits, and (unlike float()) ASCII digits only.
        return _go_float(text) if _DOT_FLOAT.match(text) else Plain(text, "str")
    if first in "+-0123456789":
        stamp = go_timestamp(text)
        if stamp is not None:
            return Plain(stamp, "time")
        plain = text.replace("_", "")
        number = _go_int(plain)
        if number is not None:
            return Plain(number, "int")
        if _YAML_FLOAT.match(plain):
            return _go_float(plain, text)
    return Plain(text, "str")


def _go_float(digits: str, text: str | None = None) -> Plain:
    """A float go-yaml reads; one beyond float64's range (`1e400`) fails Go's ParseFloat
    with ErrRange, so go-yaml (and sops) keep the text as a string."""
    number = float(digits)
    return Plain(text or digits, "str") if math.isinf(number) else Plain(number, "float")


def int64_problem(plain: Plain) -> str | None:
    """Why sops cannot store this int (outside int64), else None. go-yaml reads
    2^63..2^64-1 as a uint64, which sops refuses to encrypt ("unknown type: uint64"),
    and sops decrypts an int with Go's Atoi, which refuses anything beyond int64."""
    if plain.type != "int" or INT64[0] <= plain.value <= INT64[1]:
        return None
    return f"the integer {plain.value} is outside the 64-bit range sops stores integers in"


def _go_int(text: str) -> int | None:
    """`strconv.ParseInt(text, 0, 64)` (then ParseUint), as go-yaml tries it."""
    if not _GO_INT.match(text):
        return None
    sign = -1 if text[0] == "-" else 1
    body = text.lstrip("+-").lower()
    if body.startswith(("0x", "0o", "0b")):
        number = int(body, {"x": 16, "o": 8, "b": 2}[body[1]])
    elif len(body) > 1 and body[0] == "0":
        number = int(body, 8)
    else:
        number = int(body, 10)
    number *= sign
    return number if INT64[0] <= number <= 2**64 - 1 else None


def go_timestamp(text: str, rfc3339_only: bool = False) -> str | None:
    """A YAML timestamp go-yaml accepts, as Go's `time.MarshalText` writes it back."""
    match = _STAMP.match(text)
    if match is None:
        return None
    year, month, day, sep, hour, minute, second, fraction, zone = match.groups()
    if rfc3339_only and (sep not in ("T", "t") or zone is None):
        return None
    if sep in ("T", "t") and zone is None:
        return None  # the T formats need a zone
    if sep is not None and sep[0] == " " and zone is not None:
        return None  # the space format takes none
    try:
        # Go knows the year 0 (a leap year, as 2000 is); Python's dates start at 1.
        date(int(year) or 2000, int(month), int(day))
    except ValueError:
        return None
    if sep is None:
        return f"{int(year):04d}-{int(month):02d}-{int(day):02d}T00:00:00Z"
    h, m, s = int(hour), int(minute), int(second)
    if h > 23 or m > 59 or s > 59:
        return None
    frac = (fraction or "")[:9].rstrip("0")  # Go keeps nanoseconds
    zone_text = "Z" if zone in (None, "Z", "+00:00", "-00:00") else zone
    return (
        f"{int(year):04d}-{int(month):02d}-{int(day):02d}T{h:02d}:{m:02d}:{s:02d}"
        f"{'.' + frac if frac else ''}{zone_text}"
    )
