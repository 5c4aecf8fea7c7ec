"""PostCash: the application factory reads like a table of contents."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask, Response, g, request

from app.config import INSTANCE_DIR, Config
from app.db import Database, Runtime
from app.db.queue import JobQueue
from app.ops.observability import (
    configure_logging,
    new_request_id,
    reset_request_id,
    set_request_id,
)


def _pool_of(config: Config) -> dict[str, int]:
    """The pool's size when configured (PostgreSQL only: SQLite's pool is its own)."""
    if config.DATABASE_URL.startswith("sqlite"):
        return {}
    sizes = {"pool_size": config.DB_POOL_SIZE, "max_overflow": config.DB_MAX_OVERFLOW}
    return {name: value for name, value in sizes.items() if value is not None}


def create_app(config: Config | None = None) -> Flask:
    config = config or Config.from_env()
    config.validate()
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_mapping(config.as_flask_mapping())
    app.config["RESTX_MASK_SWAGGER"] = False
    app.config["ERROR_INCLUDE_MESSAGE"] = False
    register_logging(app, config)
    register_runtime(app, config)
    register_extensions(app, config)
    register_request_hooks(app)
    register_compression(app)
    register_security_headers(app, config)
    register_input_guards(app)
    register_instrumentation(app)
    register_proxy_fix(app, config)
    register_domain_hooks()
    register_api(app, config)
    register_channels(app, config)
    register_errorhandlers(app)
    register_commands(app)
    register_in_process_sweeps(app, config)
    return app


def register_logging(app: Flask, config: Config) -> None:
    if not config.TESTING:
        configure_logging(config.LOG_LEVEL, config.LOG_JSON)


def register_runtime(app: Flask, config: Config) -> None:
    from app.secretbox import use_keys
    from workers.outbox import run_in_process

    use_keys(config.SECRET_KEY, config.SECRET_KEY_PREVIOUS)  # docs/DEPLOY.md, key rotation
    database = Database()
    queue = JobQueue(config.REDIS_URL)
    queue.runner = run_in_process
    runtime = Runtime(config=config, database=database, queue=queue)
    database.configure(config.DATABASE_URL, info={"runtime": runtime}, **_pool_of(config))
    app.extensions["postcash"] = runtime
    register_sms_gateway(runtime, config)
    register_throttle(runtime, config)


def register_sms_gateway(runtime: Runtime, config: Config) -> None:
    from app.notify.gateways import SERVICE_NAME, build_gateway

    runtime.services[SERVICE_NAME] = build_gateway(config)


def register_throttle(runtime: Runtime, config: Config) -> None:
    from app.auth.throttle import SERVICE_NAME, build_throttle

    runtime.services[SERVICE_NAME] = build_throttle(config.REDIS_URL)


def register_extensions(app: Flask, config: Config) -> None:
    from app.api.ratelimit import limiter

    app.config["RATELIMIT_ENABLED"] = config.RATELIMIT_ENABLED
    app.config["RATELIMIT_STORAGE_URI"] = config.REDIS_URL or "memory://"
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    app.config["RATELIMIT_SWALLOW_ERRORS"] = True
    limiter.init_app(app)


def register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else new_request_id()
        g.request_id = rid
        g.request_id_token = set_request_id(rid)

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id") or uuid.uuid4().hex[:16]
        return response

    @app.teardown_request
    def _reset(_exc: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            reset_request_id(token)


def register_compression(app: Flask) -> None:
    """Gzip pages and their files; runs after the security headers have read the page."""
    from app.compression import register

    register(app)


def register_security_headers(app: Flask, config: Config) -> None:
    from app.security_headers import register

    register(app, config)


def register_input_guards(app: Flask) -> None:
    """Input no endpoint may see: JSON nested too deep, NUL characters and lone
    surrogates, control characters in path ids (``app/api/validation.py``), and
    paths with an empty segment (``//``): werkzeug would merge the slashes and
    answer with a redirect; here such a path names nothing, a problem+json 404."""
    from app.api.validation import RequestJSONProvider, guard_request

    app.url_map.merge_slashes = False
    app.json = RequestJSONProvider(app)
    app.before_request(guard_request)


def register_instrumentation(app: Flask) -> None:
    from app.ops.instrumentation import register_instrumentation as _register

    _register(app)


def register_proxy_fix(app: Flask, config: Config) -> None:
    """Behind a load balancer, take the client address from the proxies we trust only."""
    if config.TRUSTED_PROXIES:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = config.TRUSTED_PROXIES
        # Flask's documented way to wrap its WSGI app; mypy sees a method replaced.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def register_domain_hooks() -> None:
    """Every hook and report source a package attaches to another's, in one place.

    Nothing registers itself when imported: what runs on a transfer's completion
    or reversal, the ledger's extra invariants, the counter's and the daily
    report's sources are all listed here (docs/CONVENTIONS.md, "Hooks").
    Registering twice is harmless.
    """
    from app.customers import outflow
    from app.customers.freezing import on_freezing
    from app.likelemba import invariants as likelemba
    from app.mail import wiring as mail
    from app.payments import wiring as payments
    from app.remittances import lifecycle as remittance_lifecycle
    from app.remittances import wiring as remittances
    from app.remittances.locks import lock_pending_sent_by
    from app.reports import sources as report_sources
    from app.savings import wiring as savings
    from app.transfers import lifecycle as transfer_lifecycle
    from app.transfers import receipts
    from app.transfers.locks import lock_pending_from

    # A freeze cancels what awaits confirmation: transfers, then remittances.
    on_freezing("transfers", lock_pending_from, transfer_lifecycle.close_pending)
    on_freezing("remittances", lock_pending_sent_by, remittance_lifecycle.close_pending)
    receipts.register()  # receipts of p2p, cash-in, withdrawal (transfers.lifecycle)
    outflow.register()  # ledger invariant: each wallet's outflow counter equals the sum
    payments.register()  # bills and merchant payments: completion and reversal
    remittances.register()  # ledger invariant remit:payable, the counter's day report
    report_sources.register()  # transfers and remittances in the daily report
    likelemba.register()  # ledger invariant: each pot holds its open cycle's contributions
    mail.register()  # hybrid mail: letters paid by code, fees:mail invariant
    savings.register()  # savings withdrawals' movements, invariant interest:accrued


def register_api(app: Flask, config: Config) -> None:
    from app.api import register_api as _register

    _register(app, docs=config.api_docs_enabled)


def register_channels(app: Flask, config: Config) -> None:
    from app.ops.health import blueprint as health
    from app.sms.inbound.routes import blueprint as sms_inbound
    from app.sms.routes import blueprint as sms_outbound
    from app.ussd.routes import blueprint as ussd

    app.register_blueprint(health)
    app.register_blueprint(sms_outbound)
    app.register_blueprint(sms_inbound)
    app.register_blueprint(ussd)
    register_web(app)


def register_web(app: Flask) -> None:
    """The web pages: the counter (/counter), the back office (/backoffice)."""
    from app.web import register

    register(app)


def register_errorhandlers(app: Flask) -> None:
    from werkzeug.exceptions import NotFound as NoSuchAddress

    from app.api.problem import problem_response
    from app.web.area import page_not_found

    @app.errorhandler(Exception)
    def _any(exc: Exception) -> Any:
        if isinstance(exc, NoSuchAddress):  # a person's browser gets its area's page
            page = page_not_found(app)
            if page is not None:
                return page
        return problem_response(exc)


def register_in_process_sweeps(app: Flask, config: Config) -> None:
    """Development without Redis: the server runs the sweeps itself (workers/in_process.py)."""
    if config.sweeps_in_process:
        from workers.in_process import start_in_process_sweeps

        start_in_process_sweeps(app, config.DATABASE_URL, config.DEBUG)


def register_commands(app: Flask) -> None:
    """Every ``flask …`` group, one per package, beside the code it runs."""
    from app.agents.commands import users_cli
    from app.audit.commands import audit_cli
    from app.auth.commands import clients_cli, partners_cli
    from app.customers.commands import customers_cli
    from app.ledger.commands import ledger_cli
    from app.mail.commands import mail_cli  # hybrid mail
    from app.payments.commands import billers_cli, merchants_cli
    from app.reconciliation.commands import reconcile_command
    from app.secret_rotation import secrets_cli
    from app.seed import seed_command
    from workers.outbox import jobs_cli

    app.cli.add_command(ledger_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(partners_cli)
    app.cli.add_command(clients_cli)
    app.cli.add_command(customers_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(seed_command)
    app.cli.add_command(reconcile_command)
    app.cli.add_command(billers_cli)
    app.cli.add_command(merchants_cli)
    app.cli.add_command(secrets_cli)
    app.cli.add_command(mail_cli)  # hybrid mail
