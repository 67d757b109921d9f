"""The hiring walkthrough: a pure engine over the decision content, and its button-state codec.

No Slack I/O: planning.py decides what a click changes, handlers/walkthrough.py posts it.
"""
