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
