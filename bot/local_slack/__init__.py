"""The one local Slack, for the console, the tests and the benchmarks: the fake workspace, the
Web API stand-in, payload builders, request signing and the server launcher."""
