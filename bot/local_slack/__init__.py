"""One local stand-in for Slack: Web API, payloads and signing, for the console, tests and bench."""
