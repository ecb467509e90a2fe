"""Tests for core.interpolation: each form, typing, traces, errors, and /bin/sh parity."""

from __future__ import annotations

import math
import os
import subprocess
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.interpolation import Expansion, VarRead, expand, needs_expansion

ENV = {"HOST": "db.local", "PORT": "5432", "EMPTY": "", "FLAG": "true", "NAME": "app"}


def value(text: str, env: dict[str, str] = ENV) -> object:
    result = expand(text, env)
    assert result.error is None, result.error
    return result.value


def error(text: str, env: dict[str, str] = ENV) -> str:
    result = expand(text, env)
    assert result.error is not None, f"expected an error, got {result.value!r}"
    assert result.value == text
    return result.error


# --- the forms -----------------------------------------------------------------


def test_no_dollar_is_returned_as_is() -> None:
    text = "plain text {with} braces"
    result = expand(text, ENV)
    assert result == Expansion(text, ())
    assert result.value is text
    assert not needs_expansion(text)
    assert needs_expansion("a$b")


def test_plain_variable() -> None:
    assert value("${HOST}") == "db.local"
    assert value("http://${HOST}:${PORT}/x") == "http://db.local:5432/x"


def test_plain_variable_set_but_empty_is_fine() -> None:
    assert value("${EMPTY}") == ""
    assert value("a${EMPTY}b") == "ab"


def test_plain_variable_unset_is_an_error() -> None:
    assert error("${DB_HOST}") == "variable DB_HOST is not set"
    assert error("x-${DB_HOST}-y") == "variable DB_HOST is not set"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${HOST:-other}", "db.local"),
        ("${EMPTY:-other}", "other"),
        ("${UNSET:-other}", "other"),
        ("${HOST-other}", "db.local"),
        ("${EMPTY-other}", ""),
        ("${UNSET-other}", "other"),
        ("${UNSET:-}", ""),
        ("${UNSET-}", ""),
        ("${UNSET:-a b:c-d?e=f+g#h%i{j}", "a b:c-d?e=f+g#h%i{j"),
    ],
)
def test_defaults(text: str, expected: str) -> None:
    assert value(text) == expected


def test_default_ends_at_first_unnested_brace_like_sh() -> None:
    assert value("${UNSET-a}b}") == "ab}"
    assert value("${UNSET-{a}b}") == "{ab}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${UNSET:?set it in .env}", "UNSET: set it in .env"),
        ("${EMPTY:?must not be empty}", "EMPTY: must not be empty"),
        ("${UNSET?set it}", "UNSET: set it"),
        ("${UNSET?}", "UNSET: parameter not set"),
        ("${UNSET:?}", "UNSET: parameter null or not set"),
        ("${EMPTY:?}", "EMPTY: parameter null or not set"),
        ("${UNSET:?no ${NAME} for $$}", "UNSET: no app for $"),
    ],
)
def test_required(text: str, message: str) -> None:
    assert error(text) == message


def test_message_that_expands_to_nothing_is_kept_like_sh() -> None:
    assert error("${UNSET?${EMPTY}}") == "UNSET: "


def test_required_when_satisfied() -> None:
    assert value("${HOST:?needed}") == "db.local"
    assert value("${HOST?needed}") == "db.local"
    assert value("${EMPTY?needed}") == ""


def test_dollar_dollar_is_a_literal_dollar() -> None:
    assert value("$$") == "$"
    assert value("cost: $$5 and $${HOST}") == "cost: $5 and ${HOST}"
    assert value("$$$$") == "$$"
    assert value("${UNSET:-$$}") == "$"


@pytest.mark.parametrize(
    "text", ["$HOST", "a $HOST b", "$", "x$", "$ x", "$1", "${HOST}$", "50$/h"]
)
def test_unbraced_or_lone_dollar_stays_literal(text: str) -> None:
    expected = text.replace("${HOST}", "db.local")
    assert expand(text, ENV).value == expected


def test_lone_dollar_inside_a_default() -> None:
    assert value("${UNSET:-x$}") == "x$"
    assert value("${UNSET:-$HOST}") == "$HOST"


# --- nesting and laziness -------------------------------------------------------


def test_nested_defaults() -> None:
    assert value("${A:-${B:-x}}", {}) == "x"
    assert value("${A:-${B:-x}}", {"B": "b"}) == "b"
    assert value("${A:-${B:-x}}", {"A": "a", "B": "b"}) == "a"
    assert value("${A:-${B-${C:-deep}}}", {"B": ""}) == ""
    assert value("${A:-${B-${C:-deep}}}", {}) == "deep"


def test_default_with_text_and_several_expansions() -> None:
    assert value("${URL:-http://${HOST}:${PORT:-80}/$${x}}") == "http://db.local:5432/${x}"


def test_unused_default_is_not_read() -> None:
    result = expand("${HOST:-${MISSING}}", ENV)
    assert result.error is None
    assert result.value == "db.local"
    assert result.trace == (VarRead("HOST", "db.local", False),)


def test_unused_message_is_not_read() -> None:
    result = expand("${HOST:?${MISSING}}", ENV)
    assert result == Expansion("db.local", (VarRead("HOST", "db.local", False),))


def test_used_default_can_error() -> None:
    assert error("${UNSET:-${MISSING}}") == "variable MISSING is not set"
    assert error("${UNSET:-${EMPTY:?inner}}") == "EMPTY: inner"


# --- typing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${PORT}", 5432),
        ("${UNSET:-5432}", 5432),
        ("${FLAG}", True),
        ("${UNSET:-false}", False),
        ("${UNSET:-1.5}", 1.5),
        ("${UNSET:-0x1f}", 31),
        ("${UNSET:-null}", None),
        ("${UNSET:-~}", None),
        ("${UNSET:-${PORT}}", 5432),
        ("${HOST}", "db.local"),
    ],
)
def test_single_expansion_is_typed(text: str, expected: object) -> None:
    assert value(text) == expected
    assert type(value(text)) is type(expected)


def test_empty_single_expansion_stays_empty_string() -> None:
    assert value("${EMPTY}") == ""
    assert value("${UNSET-}") == ""
    assert value("${UNSET:-${EMPTY}}") == ""


def test_special_floats_are_typed() -> None:
    assert value("${X}", {"X": ".inf"}) == math.inf
    nan = value("${X}", {"X": ".nan"})
    assert isinstance(nan, float) and math.isnan(nan)


@pytest.mark.parametrize(
    "text", ["port-${PORT}", "${PORT} ", " ${PORT}", "${PORT}${PORT}", "$$", "$${PORT}", "5432"]
)
def test_anything_but_a_single_expansion_stays_a_string(text: str) -> None:
    assert isinstance(value(text), str)


def test_untyped_mode() -> None:
    assert expand("${PORT}", ENV, typed=False).value == "5432"
    assert expand("${FLAG}", ENV, typed=False).value == "true"


# --- trace ----------------------------------------------------------------------


def test_trace_in_evaluation_order() -> None:
    result = expand("${A:-${B:-x}}-${C-y}-${D}", {"B": "", "D": "d"})
    assert result.value == "x-y-d"
    assert result.trace == (
        VarRead("A", None, True),
        VarRead("B", "", True),
        VarRead("C", None, True),
        VarRead("D", "d", False),
    )


def test_trace_marks_set_empty_values() -> None:
    result = expand("${E-x}${E:-y}", {"E": ""})
    assert result.value == "y"
    assert result.trace == (VarRead("E", "", False), VarRead("E", "", True))


def test_trace_on_error_holds_reads_up_to_the_failure() -> None:
    result = expand("${A}${B:?need B}${C}", {"A": "1"})
    assert result.error == "B: need B"
    assert result.trace == (VarRead("A", "1", False), VarRead("B", None, False))


def test_dataclasses_are_frozen() -> None:
    read = VarRead("A", None, False)
    with pytest.raises(AttributeError):
        read.name = "B"  # type: ignore[misc]


# --- malformed input ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("${}", "empty variable name"),
        ("${1X}", "invalid variable name"),
        ("${-x}", "invalid variable name"),
        ("${#A}", "invalid variable name"),
        ("${A:-x", "no closing"),
        ("${A", "no closing"),
        ("${", "no closing"),
        ("${A:", "no closing"),
        ("x ${A:-${B:-y}", "no closing"),
        ("${A:+x}", "unsupported operator ':+'"),
        ("${A+x}", "unsupported operator '+'"),
        ("${A#x}", "unsupported operator '#'"),
        ("${A%x}", "unsupported operator '%'"),
        ("${A:=x}", "unsupported operator ':='"),
        ("${A=x}", "unsupported operator '='"),
        ("${A:}", "unsupported operator ':'"),
        ("${A x}", "unsupported operator ' '"),
        ("${A.b}", "unsupported operator '.'"),
    ],
)
def test_malformed_is_an_error(text: str, fragment: str) -> None:
    assert fragment in error(text, {"A": "a", "B": "b"})
    assert fragment in error(text, {})


def test_malformed_error_says_where() -> None:
    assert error("abc ${A:+x}") == (
        "unsupported operator ':+' in '${A' at character 5; the supported forms are"
        " ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message} and ${VAR?message}"
    )
    assert error("ab${A:-x") == "'${' has no closing '}' at character 3"


def test_malformed_in_unused_default_is_still_an_error() -> None:
    assert "invalid variable name" in error("${HOST:-${1X}}")


def test_syntax_error_wins_over_an_earlier_unset_variable() -> None:
    assert "no closing" in error("${MISSING} ${A:-x")


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    text = "${A:-" * 5000 + "x" + "}" * 5000
    assert "nested more than" in error(text, {})
    assert value("${A:-" * 20 + "x" + "}" * 20, {}) == "x"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="${}:-?+=#%AB1_ x\n", max_size=40))
def test_never_raises_on_dollar_heavy_text(text: str) -> None:
    result = expand(text, {"A": "", "B": "1"})
    if result.error is not None:
        assert result.value == text
        assert result.error
    else:
        assert result.value is None or isinstance(result.value, (str, int, float, bool))
    assert all(read.value == {"A": "", "B": "1"}.get(read.name) for read in result.trace)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_never_raises_on_any_text(text: str) -> None:
    expand(text, {})


# --- parity with /bin/sh ----------------------------------------------------------

NAMES = ("A", "B", "C_1", "_d")
# sh reads $$ as its pid, so the sh rendering of our $$ is this variable, set to "$".
SH_DOLLAR = "CONFSCOPE_TEST_DOLLAR"
# Safe inside sh double quotes and free of $; top-level text may also hold '}'.
# Kept small so that the characters the scanner cares about come up often.
WORD_CHARS = "a1 :-?={'~"
TOP_CHARS = WORD_CHARS + "}"
VALUE_CHARS = "ab1 $}{:-'~"


@dataclass(frozen=True)
class Piece:
    ours: str
    sh: str


def literal(chars: str) -> st.SearchStrategy[Piece]:
    return st.text(alphabet=chars, min_size=1, max_size=4).map(lambda t: Piece(t, t))


DOLLAR_DOLLAR = st.just(Piece("$$", "${" + SH_DOLLAR + "}"))
# A lone '$' before a character that sh does not expand either ('$-' is sh's flags).
LONE_DOLLAR = st.sampled_from(" ./,:").map(lambda c: Piece("$" + c, "$" + c))


def sequence(chars: str, depth: int, *, lone_dollar_last: bool = True) -> st.SearchStrategy[Piece]:
    """Several pieces, optionally ending in a lone '$' (before '}' or end of text)."""
    nested = st.deferred(lambda: braced(depth))
    options = [literal(chars), DOLLAR_DOLLAR, LONE_DOLLAR, nested, nested]
    last = st.booleans() if lone_dollar_last else st.just(False)
    return st.tuples(st.lists(st.one_of(options), max_size=3), last).map(
        lambda pair: Piece(
            "".join(p.ours for p in pair[0]) + ("$" if pair[1] else ""),
            "".join(p.sh for p in pair[0]) + ("$" if pair[1] else ""),
        )
    )


def braced(depth: int) -> st.SearchStrategy[Piece]:
    name = st.sampled_from(NAMES)
    plain = name.map(lambda n: Piece("${" + n + "}", "${" + n + "}"))
    if depth <= 0:
        return plain
    ops = st.sampled_from([":-", "-", ":?", "?"])
    with_word = st.tuples(name, ops, sequence(WORD_CHARS, depth - 1)).map(
        lambda t: Piece("${" + t[0] + t[1] + t[2].ours + "}", "${" + t[0] + t[1] + t[2].sh + "}")
    )
    return st.one_of(plain, with_word, with_word)


# At least one expansion per template: hypothesis favours short, often empty, lists.
TEMPLATES = st.tuples(
    sequence(TOP_CHARS, 2, lone_dollar_last=False), braced(3), sequence(TOP_CHARS, 2)
).map(lambda t: Piece("".join(p.ours for p in t), "".join(p.sh for p in t)))
# Each name is unset a quarter of the time (so that not every case is an error);
# set values are often empty.
VALUES = st.one_of(st.just(""), st.text(alphabet=VALUE_CHARS, min_size=1, max_size=3))
ENVS = st.tuples(*[st.one_of(st.none(), VALUES, VALUES, VALUES) for _ in NAMES]).map(
    lambda values: {n: v for n, v in zip(NAMES, values, strict=True) if v is not None}
)


def run_sh(template: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    # -u makes sh fail on an unset ${VAR}, as expand does.
    return subprocess.run(
        ["/bin/sh", "-u", "-c", 'printf "%s" "' + template + '"'],
        env={**env, SH_DOLLAR: "$"},
        capture_output=True,
        timeout=10,
        check=False,
    )


@pytest.mark.skipif(not os.path.exists("/bin/sh"), reason="needs /bin/sh")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEMPLATES, ENVS)
def test_matches_sh(template: Piece, env: dict[str, str]) -> None:
    result = expand(template.ours, env, typed=False)
    sh = run_sh(template.sh, env)
    if sh.returncode != 0:
        assert result.error is not None, (sh.stderr, result)
    else:
        assert result.error is None, (result.error, sh.stdout)
        assert result.value == sh.stdout.decode()


@pytest.mark.skipif(not os.path.exists("/bin/sh"), reason="needs /bin/sh")
@pytest.mark.parametrize(
    ("ours", "sh_form"),
    [
        ("${A:-${B:-x}}", None),
        ("${A-${B}}", None),
        ("${B:-${A?gone}}", None),
        ("${A:?}", None),
        ("${A?}", None),
        ("x$ ${B-{y}z}}", None),
        ("$$${A-$$}", "${D}${A-${D}}"),
    ],
)
def test_matches_sh_examples(ours: str, sh_form: str | None) -> None:
    for env in ({}, {"A": ""}, {"A": "a"}, {"B": ""}, {"A": "", "B": "b"}):
        shell_text = (sh_form or ours).replace("${D}", "${" + SH_DOLLAR + "}")
        sh = run_sh(shell_text, env)
        result = expand(ours, env, typed=False)
        assert (sh.returncode != 0) == (result.error is not None), (env, sh.stderr, result)
        if result.error is None:
            assert result.value == sh.stdout.decode()
