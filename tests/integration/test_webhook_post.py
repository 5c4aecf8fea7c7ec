"""A webhook is POSTed only to the address that was checked: a receiver that answers with a
redirect has not acknowledged it, and the signed body is never sent on to the new address."""

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests

from workers.webhook_post import post_webhook


def serve(handler):
    server = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Quiet(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_a_redirect_is_a_failed_delivery_and_is_not_followed():
    reached = []

    class Internal(Quiet):  # stands for 169.254.169.254 or the database host
        def do_POST(self):
            reached.append(self.path)
            self.send_response(200)
            self.end_headers()

    internal = serve(Internal)

    class Redirector(Quiet):  # the "public" host the URL named
        def do_POST(self):
            self.send_response(307)
            self.send_header("Location", f"http://127.0.0.1:{internal.server_port}/latest/")
            self.end_headers()

    public = serve(Redirector)
    try:
        with pytest.raises(requests.HTTPError, match="307"):
            post_webhook(f"http://127.0.0.1:{public.server_port}/hook", '{"event":"x"}', {})
        assert reached == []
    finally:
        for server in (public, internal):
            server.shutdown()
            server.server_close()
