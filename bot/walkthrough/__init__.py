"""The hiring walkthrough: a pure engine over the decision content, and its button-state codec.

No Slack I/O: handlers/walkthrough.py posts what these functions decide.
"""
