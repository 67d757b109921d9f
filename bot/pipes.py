"""Output whose reader went away (`rolefit ask - | head`, `rolefit chat < script | head`)."""

from __future__ import annotations

import os
from typing import TextIO


def discard_output(out: TextIO) -> None:
    """Point the stream at /dev/null, so the flush at exit stays quiet instead of printing a
    traceback about a broken pipe."""
    try:
        fd = out.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
