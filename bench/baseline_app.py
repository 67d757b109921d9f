"""The bare Bolt baselines: an AsyncApp with default settings whose /rolefit acks static text.

    python -m bench.baseline_app --port N [--process-before-response]

Served the way RoleFit serves (aiohttp's run_app, no access log) with a /healthz route, so the
HTTP benchmark compares Bolt's own request path against RoleFit's on equal terms. Reads
SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_API_URL like RoleFit does.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from aiohttp import web
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

STATIC_TEXT = "static answer"


def build_bolt(*, process_before_response: bool) -> AsyncApp:
    client = AsyncWebClient(
        token=os.environ["SLACK_BOT_TOKEN"],
        base_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/"),
    )
    app = AsyncApp(
        client=client,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=process_before_response,
    )

    async def answer(ack: AsyncAck) -> None:
        await ack(STATIC_TEXT)

    app.command("/rolefit")(answer)
    return app


def build_web_app(bolt: AsyncApp) -> web.Application:
    web_app = bolt.web_app(path="/slack/events")

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    web_app.router.add_get("/healthz", health)
    return web_app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline_app")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--process-before-response", action="store_true")
    args = parser.parse_args(argv)
    bolt = build_bolt(process_before_response=args.process_before_response)
    web.run_app(build_web_app(bolt), host="127.0.0.1", port=args.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
