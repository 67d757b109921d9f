"""`rolefit chat`: the same app and listeners, driven from a terminal."""
