"""HTTP edges of the USSD channel.

``POST /ussd`` is Africa's Talking's callback: form fields in, ``CON``/``END`` plain
text out, always 200 (the gateway shows our text, whatever it says). A
``Server-Timing`` header gives the time spent answering, for ``bench/ussd.py``.

``GET /ussd/simulator`` is a phone drawn in HTML that drives ``POST /ussd``, so
anyone can try the menus on a laptop with the demo customers (docs/DEMO.md).
It exists only when ``APP_ENV=development``; everywhere else it is a 404. It
posts with ``GATEWAY_TOKEN`` when one is set, like the aggregator.

Only the aggregator may post to ``/ussd`` (``app.gateway_access``: its
addresses and the secret token; a refused caller gets a bare 403).
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for

from app.db import current_runtime
from app.errors import NotFound
from app.gateway_access import TOKEN_PARAM, gateway_only
from app.ussd.answer import answer
from app.ussd.protocol import UssdRequest

blueprint = Blueprint("ussd", __name__, template_folder="templates")


@blueprint.post("/ussd")
@gateway_only
def callback() -> Response:
    started = time.perf_counter()
    reply = answer(UssdRequest.from_form(request.form))
    response = Response(reply.render(), status=200, content_type="text/plain; charset=utf-8")
    elapsed_ms = (time.perf_counter() - started) * 1000
    response.headers["Server-Timing"] = f"app;dur={elapsed_ms:.2f}"
    return response


@blueprint.get("/ussd/simulator")
def simulator() -> str:
    runtime = current_runtime()
    if not runtime.config.is_development:
        raise NotFound("No such page.")
    token = runtime.config.GATEWAY_TOKEN
    values: dict[str, Any] = {TOKEN_PARAM: token} if token else {}
    target = url_for("ussd.callback", **values)
    return render_template("ussd/simulator.html", callback_url=target)
