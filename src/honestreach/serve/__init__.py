"""``honestreach serve``: a local page and JSON API over the same checks as ``check``.

Needs the ``serve`` extra (Starlette and uvicorn): ``pip install 'honestreach[serve]'``.
"""

from __future__ import annotations

import logging
import sys

import uvicorn

from ..drafts import Draft, DraftChecker
from .app import ServeSettings, create_app, is_loopback

__all__ = ["ServeSettings", "create_app", "is_loopback", "run_server"]


def run_server(checker: DraftChecker, settings: ServeSettings, port: int) -> None:
    """Warm the checker up, then serve until interrupted."""
    # The first check loads the rules and the lemma table: pay for it before the first request.
    checker.check_draft(Draft("Hello,\n\nA first note.\n", "Hello"))
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("honestreach.serve")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    fragment = "#token=..." if settings.token else ""
    print(f"honestreach serve: http://{host}:{port}/{fragment}", file=sys.stderr, flush=True)
    # uvicorn's access log writes query strings; ours (app.Guard) writes method, path, status.
    uvicorn.run(create_app(checker, settings), host=settings.host, port=port,
                access_log=False, log_level="warning", server_header=False)
