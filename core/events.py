"""libyaml's event stream with lighter event objects.

`ruamel.yaml.clib`'s parser builds every event by calling the classes of
`ruamel.yaml.events`, whose constructors run three chained Python `__init__`s; that
is more than a quarter of what iterating the stream costs. The parser looks those
classes up as globals of its module, so while confscope reads a file it hands the
parser subclasses of the stock classes whose one `__init__` sets every attribute the
stock ones have.

The swap is held under a lock and undone in a `finally`. Another thread parsing with
`_ruamel_yaml` meanwhile may get a light event, but a light event is a stock event in
every way a reader can tell (`isinstance`, attributes, `repr`), so the swap is
invisible to it. A probe at import checks that the installed parser calls the
classes as expected; if it does not (another clib version), the stock classes are
used and nothing is swapped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import _ruamel_yaml
from ruamel.yaml import events as stock


class LightScalarEvent(stock.ScalarEvent):
    """A stock `ScalarEvent` built by one `__init__` instead of three chained ones.

    It is a true subclass with every attribute the stock class has, so a reader in
    another thread that happens to get one while confscope holds the swap sees an
    ordinary event.
    """

    __slots__ = ()

    def __init__(
        self,
        anchor: Any,
        tag: Any,
        implicit: Any,
        value: Any,
        start_mark: Any = None,
        end_mark: Any = None,
        style: Any = None,
        comment: Any = None,
    ) -> None:
        self.anchor = anchor
        self.ctag = tag
        self.implicit = implicit
        self.value = value
        self.start_mark = start_mark
        self.end_mark = end_mark
        self.style = style
        self.comment = comment


def _collection_start_init(
    self: Any,
    anchor: Any,
    tag: Any,
    implicit: Any,
    start_mark: Any = None,
    end_mark: Any = None,
    flow_style: Any = None,
    comment: Any = None,
    nr_items: int | None = None,
) -> None:
    self.anchor = anchor
    self.ctag = tag
    self.implicit = implicit
    self.start_mark = start_mark
    self.end_mark = end_mark
    self.flow_style = flow_style
    self.comment = comment
    self.nr_items = nr_items


def _end_init(self: Any, start_mark: Any = None, end_mark: Any = None, comment: Any = None) -> None:
    self.start_mark = start_mark
    self.end_mark = end_mark
    self.comment = comment


class LightMappingStartEvent(stock.MappingStartEvent):
    __slots__ = ()
    __init__ = _collection_start_init


class LightSequenceStartEvent(stock.SequenceStartEvent):
    __slots__ = ()
    __init__ = _collection_start_init


class LightMappingEndEvent(stock.MappingEndEvent):
    __slots__ = ()
    __init__ = _end_init


class LightSequenceEndEvent(stock.SequenceEndEvent):
    __slots__ = ()
    __init__ = _end_init


class EventKinds(NamedTuple):
    """The classes events come as: compare `type(event)` against these."""

    scalar: type
    mapping_start: type
    sequence_start: type
    mapping_end: type
    sequence_end: type


STOCK = EventKinds(
    stock.ScalarEvent,
    stock.MappingStartEvent,
    stock.SequenceStartEvent,
    stock.MappingEndEvent,
    stock.SequenceEndEvent,
)
LIGHT = EventKinds(
    LightScalarEvent,
    LightMappingStartEvent,
    LightSequenceStartEvent,
    LightMappingEndEvent,
    LightSequenceEndEvent,
)
_NAMES = (
    "ScalarEvent",
    "MappingStartEvent",
    "SequenceStartEvent",
    "MappingEndEvent",
    "SequenceEndEvent",
)
_lock = threading.Lock()


def _install(kinds: EventKinds) -> None:
    for name, cls in zip(_NAMES, kinds, strict=True):
        setattr(_ruamel_yaml, name, cls)


@contextmanager
def _swapped() -> Iterator[None]:
    with _lock:
        _install(LIGHT)
        try:
            yield
        finally:
            _install(STOCK)


def _probe() -> bool:
    """Whether the installed parser builds the light events as expected."""
    if not all(
        getattr(_ruamel_yaml, name, None) is cls for name, cls in zip(_NAMES, STOCK, strict=True)
    ):
        return False
    try:
        with _swapped():
            parser = _ruamel_yaml.CParser("a: &x !t 'v'\nb: [1, {c: d}]\n")
            seen = []
            while (event := parser.get_event()) is not None:
                seen.append(event)
    except Exception:
        return False
    kinds = {type(event) for event in seen}
    scalars = [event for event in seen if type(event) is LightScalarEvent]
    return (
        set(LIGHT) <= kinds
        and scalars[0].value == "a"
        and scalars[1].anchor == "x"
        and scalars[1].tag == "!t"
        and scalars[1].style == "'"
        and scalars[1].start_mark.line == 0
    )


ENABLED = _probe()


@contextmanager
def event_stream(text: str | bytes) -> Iterator[tuple[Callable[[], Any], EventKinds]]:
    """`get_event` for `text`, and the classes its events come as."""
    if not ENABLED:
        yield _ruamel_yaml.CParser(text).get_event, STOCK
        return
    with _swapped():
        yield _ruamel_yaml.CParser(text).get_event, LIGHT
