"""The answer core: what people type, normalised, parsed and matched against the knowledge.

Nothing here knows about Slack; cards render its results and handlers carry them.
"""
