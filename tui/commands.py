"""The command palette: every action of the app, and "go to key" over the merged tree."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape

from tui.goto import highlight, palette_score, rank

if TYPE_CHECKING:
    from tui.screens.main import MainScreen

# Fuzzy matching every key of a 60,000-value tree per keystroke would stall the
# palette; past this many keys, substring matching it is.
FUZZY_LIMIT = 5_000
MAX_HITS = 100


def _main_screen(provider: Provider) -> MainScreen | None:
    from tui.screens.main import MainScreen

    screen = provider.screen
    return screen if isinstance(screen, MainScreen) else None


class GoToKeyProvider(Provider):
    """Finds key paths of the merged tree: `db.host`, `host`, `servers[0]`…"""

    async def discover(self) -> Hits:
        screen = _main_screen(self)
        if screen is None or screen.view is None:
            return
        for entry in screen.view.index[:MAX_HITS]:
            if len(entry.path) == 1:
                yield DiscoveryHit(
                    Content(f"Go to {entry.text}"),
                    partial(screen.go_to, entry.path),
                    text=f"Go to {entry.text}",
                    help="a top-level key",
                )

    async def search(self, query: str) -> Hits:
        screen = _main_screen(self)
        if screen is None or screen.view is None or not query.strip():
            return
        index = screen.view.index
        needle = query.strip().lower()
        if needle.startswith("go to "):
            needle = needle[6:]
        fuzzy = self.matcher(needle).match if len(index) <= FUZZY_LIMIT else None
        for position, ranked in rank(needle, (entry.text for entry in index), fuzzy, MAX_HITS):
            entry = index[position]
            yield Hit(
                palette_score(ranked),
                highlight(entry.text, needle),
                partial(screen.go_to, entry.path),
                text=entry.text,
                help="go to key",
            )


def binding_commands(
    app: App[Any], target: object, bindings: Iterable[BindingType]
) -> Iterator[SystemCommand]:
    """A palette command for each binding, so every key has a palette twin."""
    for binding in bindings:
        if not isinstance(binding, Binding) or not binding.description:
            continue
        key = app.get_key_display(binding)
        run = partial(_run_action, app, target, binding.action)
        yield SystemCommand(escape(binding.description), escape(f"key: {key}"), run)


async def _run_action(app: App[Any], target: object, action: str) -> None:
    await app.run_action(action, target)  # type: ignore[arg-type]


def main_screen_commands(screen: MainScreen) -> Iterator[SystemCommand]:
    """Commands that depend on what the main screen shows: what-if choices per value."""
    yield from binding_commands(screen.app, screen, screen.BINDINGS)
    view = screen.view
    if view is None:
        return
    context = view.resolution.context
    for environment in view.environments():
        if environment != context.environment:
            yield SystemCommand(
                escape(f"Environment: {environment}"),
                escape(f"What if the environment were {environment!r}"),
                partial(screen.set_whatif, screen.whatif.with_environment(environment)),
            )
    for override_type in view.override_types():
        if override_type != context.override_type:
            yield SystemCommand(
                escape(f"Override type: {override_type}"),
                escape(f"What if the override type were {override_type!r}"),
                partial(screen.set_whatif, screen.whatif.with_override_type(override_type)),
            )
    if context.override_type is not None:
        yield SystemCommand(
            "Override type: none",
            "Resolve without an override type",
            partial(screen.set_whatif, screen.whatif.with_override_type(None)),
        )
    for verdict in view.resolution.verdicts:
        if verdict.is_base:
            continue
        forced = screen.whatif.force_state(verdict.layer)
        for state, words in (("on", "Force on"), ("off", "Force off"), (None, "Stop forcing")):
            if state != forced and (state is not None or forced is not None):
                yield SystemCommand(
                    escape(f"{words}: layer {verdict.layer}"),
                    escape(f"What if layer {verdict.layer} were {state or 'its conditions say'}"),
                    partial(screen.set_whatif, screen.whatif.forcing(verdict.layer, state)),  # type: ignore[arg-type]
                )
