"""Named answer paths through knowledge/decision.yml, shared by the engine and Slack tests."""

from __future__ import annotations

ALL_TPM = (
    "scaling",
    "systems",
    "platform",
    "migration",
    "many-teams",
    "feasibility",
    "can-it-hold",
)
ALL_PM = ("pre-pmf", "growth", "features", "light", "one-team", "outcomes", "which-problem")
BOTH_STRONG = (
    "pre-pmf",
    "growth",
    "platform",
    "migration",
    "many-teams",
    "outcomes",
    "which-problem",
)
# A program-manager option (delivery) on the way to "PM now, TPM later".
PM_NOW_WITH_PROGRAM = (*ALL_PM[:4], "many-teams", "delivery", "can-it-hold")
# A TPM-leaning path without and with the program-manager option.
TPM_BUT_MIXED = (*ALL_TPM[:6], "mixed")
TPM_WITH_PROGRAM = (*ALL_TPM[:5], "delivery", "mixed")
