"""Short references to cards, carried in button values so any process can re-render the card."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("entry", "compare", "profile", "jd", "topic", "topics", "help")


@dataclass(frozen=True, slots=True)
class Ref:
    kind: str
    arg: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.arg}"


def parse_ref(value: str) -> Ref | None:
    """None for anything that is not a well-formed reference (stale or tampered buttons)."""
    kind, sep, arg = value.partition(":")
    if not sep or kind not in KINDS or len(arg) > 100:
        return None
    return Ref(kind, arg)


def entry(entry_id: str) -> str:
    return str(Ref("entry", entry_id))


def compare(area: str = "") -> str:
    return str(Ref("compare", area))


def profile(role: str) -> str:
    return str(Ref("profile", role))


def jd(role: str) -> str:
    return str(Ref("jd", role))


def topic(name: str) -> str:
    return str(Ref("topic", name))


TOPICS = str(Ref("topics"))
HELP = str(Ref("help"))
