"""YAML 1.2 core-schema typing of plain scalars, and the YAML 1.1 ambiguity lint.

One job: turn the text of an unquoted scalar into the Python value a YAML 1.2 core
loader gives, and say when a YAML 1.1 loader (PyYAML, older Go and Ruby tools) would
read the same text differently.
"""

from __future__ import annotations

import math
import re
import sys

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_INT10 = re.compile(r"[-+]?[0-9]+\Z")
_INT8 = re.compile(r"0o[0-7]+\Z")
_INT16 = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"[-+]?\.(?:inf|Inf|INF)\Z")
_NAN = re.compile(r"\.(?:nan|NaN|NAN)\Z")
# Only these first characters can start a non-string core-schema scalar.
MAYBE_TYPED = frozenset("0123456789+-.~nNtTfF")

_YAML11_BOOLS = frozenset(
    [
        "y",
        "Y",
        "yes",
        "Yes",
        "YES",
        "n",
        "N",
        "no",
        "No",
        "NO",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
    ]
)
_YAML11_OCTAL = re.compile(r"[-+]?0[0-7]+\Z")
_YAML11_SEXAGESIMAL = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?\Z")


def resolve_plain(text: str) -> object:
    """The value of an unquoted scalar under the YAML 1.2 core schema.

    An integer too long for Python to turn into text (`oversized_int`) stays text.
    """
    if not text:
        return None
    if text[0] not in MAYBE_TYPED:
        return text
    if len(text) > _SHORT and oversized_int(text):
        return text
    if text.isdigit() and text.isascii():
        return int(text)  # the most common typed scalar, without a regex
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT10.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    if _INT16.match(text):
        return int(text[2:], 16)
    if _INT8.match(text):
        return int(text[2:], 8)
    if _INF.match(text):
        return -math.inf if text[0] == "-" else math.inf
    if _NAN.match(text):
        return math.nan
    return text


# Texts this short are never oversized integers: the check costs nothing on them.
_SHORT = 640


def oversized_int(text: str) -> int | None:
    """The digits (in decimal) of a YAML 1.2 integer that Python cannot convert to or
    from decimal text (`sys.get_int_max_str_digits`, 4300 by default), else None.

    Such a number could be read but never shown: YAML, JSON and messages all need
    its decimal text. It is kept as a string and reported where it is written.
    """
    limit = sys.get_int_max_str_digits()
    if not limit:
        return None
    if _INT10.match(text):
        digits = len(text.lstrip("+-"))
    elif _INT16.match(text):
        digits = math.ceil(len(text[2:].lstrip("0")) * math.log10(16))
    elif _INT8.match(text):
        digits = math.ceil(len(text[2:].lstrip("0")) * math.log10(8))
    else:
        return None
    return digits if digits > limit else None


def yaml11_reading(text: str) -> str | None:
    """How a YAML 1.1 loader would read this unquoted scalar, if unlike YAML 1.2.

    Returns a short description (``"the boolean true"``) or None when both agree.
    """
    if text in _YAML11_BOOLS:
        truth = text.lower() in ("y", "yes", "on")
        return f"the boolean {'true' if truth else 'false'}"
    if _YAML11_OCTAL.match(text) and text.lstrip("+-") != "0":
        return f"the octal number {int(text, 8)}"
    if _YAML11_SEXAGESIMAL.match(text):
        total = 0.0
        sign = -1 if text.startswith("-") else 1
        for part in text.lstrip("+-").replace("_", "").split(":"):
            total = total * 60 + float(part)
        number = int(total) if total.is_integer() else total
        return f"the base-60 number {sign * number}"
    return None
