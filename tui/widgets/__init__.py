"""The widgets of the main screen; each owns its DEFAULT_CSS."""
