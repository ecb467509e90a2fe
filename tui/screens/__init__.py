"""The app's screens: the main screen, the help screen and the file viewer."""
