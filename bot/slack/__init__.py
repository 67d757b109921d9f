"""Slack wiring: the Bolt app, the HTTP request gate, middlewares and what listeners share."""
