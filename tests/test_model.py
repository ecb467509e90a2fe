"""Key paths: the dotted text reads back as the same path, whatever the keys hold."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.model import format_path, parse_path

keys = st.one_of(st.text(max_size=8), st.integers(0, 50))


@given(st.lists(keys, max_size=5))
def test_format_then_parse_is_the_identity(path: list) -> None:
    assert parse_path(format_path(tuple(path))) == tuple(path)


def test_plain_and_quoted_forms() -> None:
    assert format_path(("db", "hosts", 0, "name")) == "db.hosts[0].name"
    assert format_path(("loggers", "uvicorn.access", "level")) == (
        'loggers["uvicorn.access"].level'
    )
    assert parse_path('loggers["uvicorn.access"].level') == ("loggers", "uvicorn.access", "level")
    assert parse_path("a.b[2].c") == ("a", "b", 2, "c")
    assert parse_path("") == ()
