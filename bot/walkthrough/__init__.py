"""The hiring walkthrough: a pure engine over the decision content, its button-state codec and
click planning.

No Slack I/O: planning.py decides what a click changes, handlers/walkthrough.py posts it.
"""
