"""Every fact of the source article is somewhere in the knowledge (in our own words).

Each fact is a set of terms that must all appear together in one place: an FAQ answer, a
comparison area, a role profile or the walkthrough. Terms are lower-case fragments, so "latenc"
matches latency and latencies.
"""

from __future__ import annotations

import re

import pytest

from bot.knowledge.model import Knowledge

FACTS: dict[str, tuple[str, ...]] = {
    "both roles build products customers love": ("customers love",),
    "PM owns outcomes: customer value, business impact, roadmap": (
        "customer value",
        "business impact",
        "roadmap",
    ),
    "TPM owns feasibility and execution depth": ("feasibility", "execution"),
    "TPM: systems design, platform constraints, engineering trade-offs": (
        "system design",
        "platform",
        "trade-off",
    ),
    "complex architecture, integrations, platform work -> TPM": (
        "architecture",
        "integration",
        "platform",
        "tpm",
    ),
    "market discovery, positioning, alignment -> PM": ("discovery", "positioning", "align"),
    "PM leads what to build and why": ("what", "why", "customers", "prioriti"),
    "TPM bridges strategy and system-level execution": ("business", "architect", "technical scope"),
    "naming caveat: Technical Program Manager": ("program manager", "coordinat"),
    "core focus: activation/adoption/revenue vs performance/platform health": (
        "adoption",
        "revenue",
        "performance",
        "platform health",
    ),
    "discovery: research, interviews, JTBD vs spikes, API audits, dependency mapping": (
        "interview",
        "jtbd",
        "spike",
        "api audit",
        "dependency mapping",
    ),
    "roadmaps: outcome-driven themed vs platform sequencing": ("outcome", "theme", "sequenc"),
    "specs: PRDs, success metrics, UX vs technical PRDs, interface contracts, NFRs": (
        "prd",
        "success metric",
        "ux",
        "interface contract",
        "nfr",
    ),
    "NFR examples latency and SLOs": ("latenc", "slo"),
    "stakeholders: users, execs, sales, marketing, CS": (
        "exec",
        "sales",
        "marketing",
        "customer success",
    ),
    "stakeholders: engineering, architecture, DevOps, security, data": (
        "devops",
        "security",
        "data",
        "architect",
    ),
    "day-to-day: prioritization, UX, go-to-market vs system design, scalability, integration": (
        "go-to-market",
        "scalab",
        "integration strategy",
    ),
    "snapshot KPIs: CAC/LTV and tech debt burn-down": ("cac", "ltv", "burn-down"),
    "best fit: new products, market expansion, growth vs platforms, APIs, data/ML": (
        "new product",
        "market expansion",
        "data/ml",
    ),
    "PM: customer discovery and problem statements": ("customer discovery", "problem statement"),
    "PM: vision, strategy, outcome-based roadmaps": ("vision", "strategy", "outcome"),
    "PM: PRDs with success metrics and acceptance criteria": (
        "acceptance criteria",
        "success metric",
    ),
    "PM: partner with design on flows and UX trade-offs": ("design", "user flow"),
    "PM: go-to-market with marketing and sales": ("go-to-market", "marketing", "sales"),
    "PM: measure and iterate on data": ("iterat", "data"),
    "TPM: spikes, proofs of concept, risk mapping": ("spike", "proof", "risk"),
    "TPM: business priorities into architecture and integration plans": (
        "architecture",
        "integration plan",
    ),
    "TPM: NFRs performance, scalability, security": ("nfr", "performance", "scalab", "security"),
    "TPM: sequence platform work to unblock feature teams": ("sequenc", "unblock", "feature team"),
    "TPM: tech debt and reliability with architects": ("tech debt", "reliab", "architect"),
    "TPM: review APIs/SDKs, pipelines, rollouts": ("sdk", "pipeline", "rollout"),
    "shared skills": (
        "product sense",
        "prioriti",
        "stakeholder",
        "analytic",
        "storytelling",
        "execution",
    ),
    "PM-leaning skills": ("market analysis", "positioning", "pricing", "ux", "experiment"),
    "TPM-leaning skills": (
        "systems thinking",
        "api design",
        "slo/sla",
        "infra",
        "privacy",
        "ci/cd",
    ),
    "quick test": ("problem matters most", "architecture", "cost"),
    "PM KPIs": (
        "activation",
        "feature adoption",
        "retention",
        "nps",
        "csat",
        "arpu",
        "churn",
        "time-to-value",
    ),
    "TPM KPIs": (
        "uptime",
        "latency",
        "error budget",
        "deployment frequency",
        "rollback",
        "integration lead",
        "cost-to-serve",
    ),
    "hire a PM: pre-product-market fit": ("product-market fit", "discovery", "iterat"),
    "hire a PM: go-to-market and growth constraints": ("go-to-market", "positioning", "growth"),
    "hire a PM: outcome roadmaps and alignment": ("outcome", "roadmap", "align"),
    "hire a TPM: platforms, APIs, data/ML with dependencies": (
        "platform",
        "api",
        "data/ml",
        "dependenc",
    ),
    "hire a TPM: performance, reliability, security": ("performance", "reliab", "security"),
    "hire a TPM: tech debt, migration, microservices, event-driven": (
        "tech debt",
        "migrat",
        "microservice",
        "event-driven",
    ),
    "hire a TPM: shared infrastructure needs sequencing": ("shared infrastructure", "sequenc"),
    "scale-ups hire both": ("scale-up", "growth", "platform", "future"),
    "dual-track discovery into one PRD": ("dual-track", "prd", "nfr"),
    "two roadmaps one quarterly plan": ("outcome roadmap", "platform roadmap", "quarterly"),
    "change management": ("canary", "guardrail", "observability", "customer impact"),
    "PM deliverables": ("vision", "okr", "prd", "user stor", "experiment plan", "launch plan"),
    "TPM deliverables": (
        "technical prd",
        "interface contract",
        "data schema",
        "migration plan",
        "runbook",
        "slo dashboard",
    ),
    "program manager orchestrates cross-team execution": (
        "program manager",
        "schedule",
        "risk",
        "workstream",
    ),
    "program manager may not own strategy": ("program manager", "strategy"),
    "PM to TPM: coding or platform background, upskill": (
        "coding",
        "systems design",
        "cloud",
        "security",
        "observability",
    ),
    "PM to TPM FAQ: systems literacy list": ("data model", "caching", "cloud pricing", "rollout"),
    "TPM to PM: platforms to user-facing, upskill": (
        "user-facing",
        "positioning",
        "pricing",
        "growth experiment",
    ),
    "TPM hiring signals": ("architecture diagram", "caching", "data model", "latenc"),
    "PM hiring signals": ("problem framing", "evidence", "ux", "commercial"),
    "TPM sample JD": (
        "api platform",
        "slo",
        "architect",
        "migration",
        "integration lead",
        "trade-off",
    ),
    "PM sample JD": (
        "discovery",
        "outcome",
        "prd",
        "design",
        "launch",
        "adoption",
        "retention",
        "revenue",
    ),
    "myth: TPMs just write specs": ("spec", "trade-off", "measur"),
    "myth: PMs need no technical depth": ("technical depth", "prioriti", "risk"),
    "myth: choose one": ("both", "complex"),
    "FAQ: what a TPM does": ("architecture", "integration", "nfr", "cost"),
    "FAQ: startups and TPMs": ("strong pm", "complexity", "apis", "ml", "security", "teams"),
    "FAQ: salary": ("market", "level", "senior", "overlap", "scope", "stage"),
    "FAQ: product vs program manager": ("program manager", "outcome", "coordinat"),
    "closing: problems and market -> PM; foundation -> TPM; both": (
        "pm",
        "tpm",
        "reliable",
        "both",
    ),
}


def _documents(knowledge: Knowledge) -> list[str]:
    docs = [f"{e.question}\n{e.answer}" for e in knowledge.entries]
    docs += [f"{a.name}\n{a.pm}\n{a.tpm}\n{a.detail}" for a in knowledge.areas]
    for role in knowledge.roles.values():
        jd = role.job_description
        parts = [
            role.summary,
            role.focus,
            *role.responsibilities,
            *role.skills,
            *role.kpis,
            *role.deliverables,
            *role.when_to_hire,
            *role.hiring_signals,
            jd.title,
            jd.summary,
            *jd.duties,
            *knowledge.shared_skills,
        ]
        docs.append("\n".join(parts))
    walk = knowledge.walkthrough
    docs.append("\n".join([walk.program_manager_note, *(q.text for q in walk.questions)]))
    return [re.sub(r"[*_`]", "", d).lower().replace("\u2011", "-") for d in docs]


@pytest.mark.parametrize("fact", FACTS)
def test_fact_is_covered(knowledge: Knowledge, fact: str) -> None:
    terms = FACTS[fact]
    docs = _documents(knowledge)
    assert any(all(t in doc for t in terms) for doc in docs), (
        f"no single entry, area or profile covers {fact!r} (terms {terms})"
    )
