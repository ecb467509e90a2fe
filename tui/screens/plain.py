"""A screen whose notifications are plain text by default."""

from __future__ import annotations

from typing import TypeVar

from textual.notifications import SeverityLevel
from textual.screen import Screen

ResultType = TypeVar("ResultType")


class PlainScreen(Screen[ResultType]):
    """Notifications carry file names and engine messages, which may hold brackets:
    they must never be read as markup unless a caller says so."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)
