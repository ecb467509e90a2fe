"""The main screen: the merged tree, why a value won, the layers and the problems.

Data flows one way. The screen owns the what-if state; a change to it (or a saved
file) starts a resolve in a worker thread, which posts `Resolved` with a `View`; the
screen sends that view down to every widget. Widgets send messages up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from core.configset import ConfigSet
from core.history import GitHistory
from core.model import KeyPath, Problem, parse_path
from core.watching import watch_changes, watch_roots
from core.whatif import WhatIf
from tui.commands import GoToKeyProvider
from tui.editor import edit_at
from tui.render import LayerColours
from tui.reveal import hide, toggle_reveal
from tui.screens.edit_actions import EDIT_BINDINGS, EditActions
from tui.screens.file_viewer import FileViewerScreen
from tui.screens.keys import open_keys
from tui.screens.line_log import open_line_log
from tui.screens.panelled import PanelledScreen
from tui.screens.trust import TrustQuestion
from tui.screens.whatif_actions import WhatIfActions
from tui.secretactions import SECRET_BINDINGS, SecretActions
from tui.view import View, filter_paths, resolve_view
from tui.widgets.config_tree import ConfigTree
from tui.widgets.detail import DetailPane
from tui.widgets.filter_bar import FilterBar
from tui.widgets.footer import SteadyFooter
from tui.widgets.layers import LayersPanel, LayerTable, VariableField
from tui.widgets.panel_tabs import PanelTabs
from tui.widgets.problems import ProblemsPanel


class MainScreen(WhatIfActions, SecretActions, EditActions, PanelledScreen):
    CSS_PATH = "main.tcss"
    AUTO_FOCUS = "#tree"
    COMMANDS = {GoToKeyProvider}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="main.filter"),
        Binding("g", "go_to", "Go to key", id="main.go_to"),
        Binding("o", "view_source", "View source", id="main.view_source"),
        *EDIT_BINDINGS,
        Binding("e", "edit", "Edit in $EDITOR", id="main.edit"),
        Binding("h", "line_history", "Line history (git log)", show=False, id="main.line_history"),
        Binding("n", "next_environment", "Next env", id="main.next_environment"),
        Binding("t", "next_override_type", "Next type", id="main.next_override_type"),
        Binding("f", "force_layer", "Force layer", id="main.force_layer"),
        Binding("m", "app.matrix", "Matrix", id="main.matrix"),
        # Not in the footer (it is full): the why pane names both keys where they apply.
        Binding("v", "reveal", "Reveal/hide secret", show=False, id="main.reveal"),
        Binding("k", "keys", "Keys", show=False, id="main.keys"),
        Binding("x", "env_var", "Set env var", show=False, id="main.env_var"),
        Binding("R", "reset_what_if", "Reset what-if", show=False, id="main.reset_what_if"),
        Binding("r", "reload", "Reload", show=False, id="main.reload"),
        Binding(
            "right_square_bracket",
            "next_problem",
            "Next problem",
            show=False,
            id="main.next_problem",
        ),
        Binding(
            "left_square_bracket",
            "previous_problem",
            "Previous problem",
            show=False,
            id="main.previous_problem",
        ),
        Binding(
            "escape", "back", "Back: leave a field, clear the filter", show=False, id="main.back"
        ),
        Binding("c", "focus_panel('tree')", "Focus tree", show=False, id="main.focus_tree"),
        Binding("w", "focus_panel('detail')", "Focus why pane", show=False, id="main.focus_detail"),
        Binding(
            "l", "focus_panel('layers-table')", "Focus layers", show=False, id="main.focus_layers"
        ),
        Binding(
            "p", "focus_panel('problems')", "Focus problems", show=False, id="main.focus_problems"
        ),
        *SECRET_BINDINGS,
    ]

    @dataclass
    class Resolved(Message):
        """A resolve finished (dropped unless `generation` is the latest request)."""

        view: View
        generation: int

    @dataclass
    class FilesChanged(Message):
        paths: set[Path]

    def __init__(
        self, config_set: ConfigSet, whatif: WhatIf, history: GitHistory | None = None
    ) -> None:
        super().__init__()
        self.config_set = config_set
        self.history = history
        self.whatif = whatif
        self.initial_whatif = whatif
        self.view: View | None = None
        self.last_good: View | None = None
        self.colours = LayerColours()
        self.filter_query = ""
        self._generation = 0
        self._watching: list[Path] | None = None
        self._detail_path: KeyPath | None = None
        self._go_to_after_resolve: KeyPath | None = None
        self._untold: list[str] = []  # why the shown tree is being refreshed
        self.trust_question = TrustQuestion(self, config_set, self.request_resolve)

    def compose(self) -> ComposeResult:
        yield PanelTabs(id="panel-tabs")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield FilterBar(id="filter")
                yield ConfigTree(self.colours, id="tree")
            with Vertical(id="right"):
                yield DetailPane(self.colours, history=self.history, id="detail")
                yield LayersPanel(self.colours, id="layers")
        yield ProblemsPanel(id="problems")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self._fit(self.size)
        self.show_panel("why")
        self.config_tree.loading = True
        self.config_tree.focus()
        self.request_resolve()

    @property
    def config_tree(self) -> ConfigTree:
        return self.query_one(ConfigTree)

    # -- resolving ---------------------------------------------------------------------

    def request_resolve(self, reason: str | None = None) -> None:
        # A newer request drops an older result; its reason (a save) is still told.
        self._generation += 1
        if reason:
            self._untold.append(reason)
        self._resolve(self._generation, self.whatif)

    @work(
        thread=True,
        exclusive=True,
        group="resolve",
        exit_on_error=False,
        description="resolve the config set",
    )
    def _resolve(self, generation: int, whatif: WhatIf) -> None:
        # Thread workers are not stopped by `exclusive`: the set serialises resolves
        # itself, and `generation` drops stale results.
        view = resolve_view(self.config_set, whatif, self.last_good)
        self.post_message(self.Resolved(view, generation))

    def on_main_screen_resolved(self, message: Resolved) -> None:
        if message.generation != self._generation:
            return
        view = message.view
        self.config_tree.loading = False
        self.view = view
        if view.stale_because is None and not view.has_syntax_error:
            self.last_good = view
        self._show(view)
        if self._go_to_after_resolve is not None:
            self.go_to(self._go_to_after_resolve)
            self._go_to_after_resolve = None
        if self._untold:
            self.notify(", ".join(dict.fromkeys(self._untold)), title="confscope")
            self._untold.clear()
        if view.stale_because is not None:
            problem = view.stale_because
            self.notify(
                f"{problem.location}: {problem.message}\nshowing the last good tree",
                title="syntax error",
                severity="warning",
            )
        self._start_watching(view)
        if view.trust_question is not None:
            self.trust_question.offer(view.trust_question, view.trust_changed)

    def _show(self, view: View) -> None:
        layers = view.resolution.layers
        self.colours.assign(
            [layer.name for layer in layers], {layer.name for layer in layers if layer.is_base}
        )
        tree = self.config_tree
        if self.filter_query:
            visible, matches = filter_paths(view, self.filter_query)
            tree.show(view, visible, matches)
        else:
            tree.show(view)
        self._detail_path = tree.cursor_path
        self.query_one(LayersPanel).show(view)
        self.query_one(ProblemsPanel).show(view)
        self.query_one(PanelTabs).show_counts(view)
        layer_table = self.query_one(LayerTable)
        if layer_table.has_focus and layer_table.cursor_layer is not None:
            self.query_one(DetailPane).show_layer(view, layer_table.cursor_layer)
        else:
            self._show_detail()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker is reported: nothing fails silently or loudly."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        what = {
            "watch": "watching files",
            "history": "reading the git history",
        }.get(event.worker.group, "resolving the config set")
        self.config_tree.loading = False
        self.notify(f"{type(error).__name__}: {error}", title=f"{what} failed", severity="error")
        if self.view is None and event.worker.group == "resolve":
            self.query_one(DetailPane).show(None, None)

    # -- watching ----------------------------------------------------------------------

    def _start_watching(self, view: View) -> None:
        roots = watch_roots(view.watched_paths())
        if roots != self._watching:
            self._watching = roots
            self._watch(roots)

    @work(exclusive=True, group="watch", exit_on_error=False)
    async def _watch(self, roots: list[Path]) -> None:
        async for changed in watch_changes(roots):
            self.post_message(self.FilesChanged(changed))

    def on_main_screen_files_changed(self, message: FilesChanged) -> None:
        root = self.config_set.root
        changed = self.own_writes.foreign(message.paths)  # our saves were told already
        if not changed:
            return
        names = sorted(
            str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
            for path in changed
        )
        self.request_resolve(f"reloaded {', '.join(names)}")

    # -- messages from the widgets -----------------------------------------------------

    @on(ConfigTree.PathHighlighted)
    def _path_highlighted(self, event: ConfigTree.PathHighlighted) -> None:
        self._detail_path = event.path
        if event.path != self.config_tree.revealed:
            hide(self, event.path)  # the cursor left the revealed secret
        self.query_one(DetailPane).follow(self.view, event.path)

    def _show_detail(self) -> None:
        self.query_one(DetailPane).show(self.view, self._detail_path)

    @on(LayerTable.LayerHighlighted)
    def _layer_highlighted(self, event: LayerTable.LayerHighlighted) -> None:
        self.query_one(DetailPane).show_layer(self.view, event.layer)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.follow_focus(event.widget)
        if isinstance(event.widget, ConfigTree):
            self._detail_path = event.widget.cursor_path
            self._show_detail()

    @on(LayersPanel.WhatIfChanged)
    def _whatif_changed(self, event: LayersPanel.WhatIfChanged) -> None:
        self.set_whatif(event.whatif)

    @on(VariableField.Done)
    def _variable_done(self, event: VariableField.Done) -> None:
        self.return_focus()

    @on(LayersPanel.Invalid)
    def _whatif_invalid(self, event: LayersPanel.Invalid) -> None:
        self.notify(event.reason, severity="warning")

    @on(ProblemsPanel.Chosen)
    def _problem_chosen(self, event: ProblemsPanel.Chosen) -> None:
        self.jump_to_problem(event.problem)

    @on(FilterBar.QueryChanged)
    def _filter_changed(self, event: FilterBar.QueryChanged) -> None:
        self.apply_filter(event.query)

    @on(FilterBar.Finished)
    def _filter_done(self, event: FilterBar.Finished) -> None:
        self.config_tree.focus()

    # -- what the bindings and the command palette do ----------------------------------

    def set_whatif(self, whatif: WhatIf, go_to: KeyPath | None = None) -> None:
        """Resolve for `whatif` if it is new; then put the cursor on `go_to`, if given."""
        if whatif != self.whatif:
            self.whatif = whatif
            self._go_to_after_resolve = go_to
            self.request_resolve()
        elif go_to is not None:
            self.go_to(go_to)

    def apply_filter(self, query: str) -> None:
        self.filter_query = query
        if self.view is None:
            return
        if query:
            visible, matches = filter_paths(self.view, query)
            self.config_tree.apply_filter(visible, matches)
        else:
            self.config_tree.apply_filter(None, [])

    def go_to(self, path: KeyPath) -> None:
        """Put the tree's cursor on `path`, clearing a filter that hides it."""
        tree = self.config_tree
        if tree.shown_paths is not None and path not in tree.shown_paths:
            self.query_one(FilterBar).close()
            self.apply_filter("")
        tree.reveal(path)
        if self.focused is not tree:
            tree.focus()  # which repaints the whole tree, even when it has the focus

    def jump_to_problem(self, problem: Problem) -> None:
        question = self.view.trust_question if self.view is not None else None
        if problem.code == "untrusted-schema" and question is not None:
            self.trust_question.ask(question, self.view.trust_changed if self.view else False)
        elif problem.path and self.view is not None:
            self.go_to(parse_path(problem.path))
        elif problem.file and problem.line and self.view is not None:
            path = self.view.file_path(problem.file)
            self.open_viewer(path, problem.file, problem.line, problem.column or 1)

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    def action_go_to(self) -> None:
        self.app.push_screen(CommandPalette(providers=[GoToKeyProvider], placeholder="Go to key…"))

    def _source(self) -> tuple[Path, str, int, int] | None:
        source = self.view.source_of(self.config_tree.cursor_path) if self.view else None
        if source is None:
            self.notify("Move the cursor onto a key first.", severity="warning")
        return source

    def open_viewer(self, path: Path, display: str, line: int, column: int) -> None:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            self.notify(f"cannot read {display}: {error.strerror}", severity="error")
            return
        self.app.push_screen(FileViewerScreen(display, text, line, column))

    def action_view_source(self) -> None:
        source = self._source()
        if source is not None:
            self.open_viewer(*source)

    def action_edit(self) -> None:
        source = self._source()
        if source is None:
            return
        path, _display, line, _column = source
        failure = edit_at(self.app, path, line)
        if failure is not None:
            self.notify(failure, title="editor", severity="error")
        else:
            self.request_resolve()

    def action_line_history(self) -> None:
        source = self._source()
        if source is None:
            return
        if self.history is None:
            self.notify("Git history is switched off.", severity="warning")
            return
        path, display, line, _column = source
        open_line_log(self, self.history, path, display, line)

    def action_reveal(self) -> None:
        toggle_reveal(self)

    def action_keys(self) -> None:
        open_keys(self)

    def action_back(self) -> None:
        """Esc: leave a field; else clear the tree's filter; else back to the tree."""
        focused = self.focused
        if isinstance(focused, Input):
            self.return_focus()
        elif self.filter_query:
            self.query_one(FilterBar).close()
        elif self.compact and self.panel != "why":
            self.action_focus_panel("tree")

    def action_reload(self) -> None:
        self.request_resolve("reloaded")

    def _step_problem(self, step: int) -> None:
        problem = self.query_one(ProblemsPanel).step(step)
        if problem is None:
            self.notify("No problems.")
        else:
            self.jump_to_problem(problem)

    def action_next_problem(self) -> None:
        self._step_problem(1)

    def action_previous_problem(self) -> None:
        self._step_problem(-1)
