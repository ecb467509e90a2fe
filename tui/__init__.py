"""The confscope TUI (Textual): `tui.app.run()` opens it on a config set."""
