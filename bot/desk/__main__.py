"""``python -m bot.desk [--port P]``: serve the agent desk and the web chat on 127.0.0.1."""
from __future__ import annotations

import argparse
import logging


def main(argv: list[str] | None = None) -> int:
    from aiohttp import web

    from bot.desk.app import create_app
    from bot.settings import get_settings
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m bot.desk", description=__doc__)
    parser.add_argument("--port", type=int, default=settings.desk_port)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(rasa_url=f"http://127.0.0.1:{settings.bot_port}", api_token=settings.api_token,
                     secret=settings.secret, demo_sign_in=settings.demo_sign_in)
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
