"""The one fake workspace the console, the tests and the benchmarks all talk to, so an id seen
in a test, a console session or a benchmark log always means the same person or place."""

from __future__ import annotations

TEAM = "T0TEAM01"
TEAM_DOMAIN = "rolefit-local"
APP_ID = "A0ROLEFIT"
USER = "U0ALICE01"
USER_NAME = "alice"
OTHER_USER = "U0BOB0002"
OTHER_USER_NAME = "bob"
BOT_USER = "UBOT0001"
BOT_ID = "BBOT0001"
CHANNEL = "C0GENERAL"
CHANNEL_NAME = "general"
DM = "D0ALICEDM"
DM_NAME = "directmessage"


def dm_with(user: str) -> str:
    """The DM channel between RoleFit and `user`: Slack accepts a user id where a channel goes."""
    return DM if user == USER else "D" + user[1:]
