"""Build the web application: API under ``/api``, staff pages, the public survey page, assets.

``create_app(workspace)`` wires the routers, the CSRF check, the language of each request
(``?lang=``, the ``patron_lang`` cookie or ``Accept-Language``) and one error body for
every failure: ``{"error": {"status", "code", "message", "detail"}}`` for the API, an
error page for browsers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from patron import __version__
from patron.core.config import get_settings
from patron.core.i18n import _, language
from patron.core.workspace import Workspace
from patron.exceptions import InputError, PatronError
from patron.serve import docs
from patron.serve.api.deps import CsrfError, LoginRequired, verify_csrf
from patron.serve.api.main import api_router
from patron.serve.overload import OverloadMiddleware
from patron.serve.web import web_router
from patron.serve.web.render import render_error, request_language

STATIC_DIR = Path(__file__).resolve().parent / "static"
# The report's vendored Vega, Vega-Lite and vega-embed, served for the campaigns charts.
VEGA_DIR = Path(__file__).resolve().parent.parent / "report" / "static"


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api") and "text/html" in request.headers.get(
        "accept", "text/html"
    )


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    detail: object = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if _wants_html(request):
        return render_error(request, status, message)
    body = {"error": {"status": status, "code": code, "message": message, "detail": detail}}
    return JSONResponse(body, status_code=status, headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """The methods the routes at this request's path answer to, sorted."""
    path = request.url.path
    methods: set[str] = set()
    for route in request.app.router.routes:
        regex = getattr(route, "path_regex", None)
        if regex is not None and getattr(route, "methods", None) and regex.match(path):
            methods |= set(route.methods)  # type: ignore[attr-defined]
    return sorted(methods)


def _document_body_errors(app: FastAPI) -> None:
    """Every operation with a body also answers 400 (unparsable body) and 413 (too large).

    FastAPI answers an undecodable body with 400 before validation runs, and
    ``BodyLimitMiddleware`` answers 413; the OpenAPI document says so for each operation.
    """
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = build()
            error = {
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}
                }
            }
            for path_item in schema.get("paths", {}).values():
                for operation in path_item.values():
                    if "requestBody" not in operation:
                        continue
                    responses = operation.setdefault("responses", {})
                    responses.setdefault("400", {"description": "Unparsable body", **error})
                    responses.setdefault("413", {"description": "Body too large", **error})
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PatronError)
    async def patron_error(request: Request, exc: PatronError) -> Response:
        status = getattr(exc, "status", 422 if isinstance(exc, InputError) else 400)
        code = getattr(exc, "code", "invalid_input" if isinstance(exc, InputError) else "error")
        headers = {}
        if getattr(exc, "retry_after_s", None):
            headers["Retry-After"] = str(exc.retry_after_s)  # type: ignore[attr-defined]
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        detail = None
        if getattr(exc, "current_version", None) is not None:
            detail = {"current_version": exc.current_version}  # type: ignore[attr-defined]
        return error_response(request, status, code, str(exc), detail, headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg")}
            for e in exc.errors()
        ]
        message = _("the request is not valid: {problems}").format(
            problems="; ".join(f"{p['where']}: {p['problem']}" for p in problems[:5])
        )
        return error_response(request, 422, "invalid_request", message, problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {
            404: _("not found"),
            405: _("method not allowed"),
            413: _("the request is too large"),
        }
        message = messages.get(exc.status_code, str(exc.detail))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # RFC 9110: say which methods the resource does allow
            headers["Allow"] = ", ".join(allowed_methods(request))
        return error_response(request, exc.status_code, "http_error", message, headers=headers)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}", status_code=303)

    @app.exception_handler(CsrfError)
    async def csrf_error(request: Request, exc: CsrfError) -> Response:
        return error_response(
            request,
            403,
            "csrf_failed",
            _("the form has expired or did not come from this site: reload the page and try again"),
        )

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> Response:
        return error_response(request, 409, "conflict", _("this conflicts with an existing record"))

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> Response:
        return error_response(request, 422, "invalid_value", _("a value is out of range"))


class LanguageMiddleware:
    """Set the language of the texts produced while answering this request."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with language(request_language(Request(scope))):
            await self.app(scope, receive, send)


class SecurityHeadersMiddleware:
    """Headers that stop framing, MIME sniffing and loading scripts from elsewhere."""

    HEADERS = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (
            b"content-security-policy",
            b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            b"script-src 'self'; frame-ancestors 'none'",
        ),
    ]

    # Vega compiles chart expressions with Function(): the pages with charts (campaigns,
    # comments, analytics sections; scripts still only from this site) need 'unsafe-eval', no other.
    CHART_HEADERS = [
        *HEADERS[:3],
        (
            b"content-security-policy",
            b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            b"script-src 'self' 'unsafe-eval'; frame-ancestors 'none'",
        ),
    ]

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        # The API docs and the analytics report load their own inline scripts.
        if scope["type"] != "http" or scope["path"].startswith(
            ("/docs", "/redoc", "/analytics/report")
        ):
            await self.app(scope, receive, send)
            return

        charts = scope["path"] in ("/campaigns", "/comments") or scope["path"].startswith(
            "/analytics/section/"
        )
        extra = self.CHART_HEADERS if charts else self.HEADERS

        async def send_with_headers(message) -> None:  # type: ignore[no-untyped-def]
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


UPLOAD_PATHS = ("/api/imports/",)
MAX_BODY_BYTES = 8 * 1024 * 1024  # any other request: JSON bodies and forms


class BodyTooLarge(StarletteHTTPException):
    """The request body passed its limit while it was being read (HTTP 413)."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


class BodyLimitMiddleware:
    """Refuse a request body as soon as it passes its limit, before it is all received.

    A declared ``Content-Length`` over the limit is refused before one byte is read; a
    chunked body is counted as it arrives and refused (413) at the first chunk past the
    limit, so an oversized upload never lands on disk. Uploads (``/api/imports/…``) may be
    ``PATRON_MAX_UPLOAD_MB`` large; every other request ``MAX_BODY_BYTES``.
    """

    def __init__(self, app, *, upload_limit: int, body_limit: int = MAX_BODY_BYTES) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.upload_limit = upload_limit
        self.body_limit = body_limit

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if scope["path"].startswith(UPLOAD_PATHS) else self.body_limit
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = too_large = False

        async def limited_receive():  # type: ignore[no-untyped-def]
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise BodyTooLarge()
            return message

        async def tracked_send(message) -> None:  # type: ignore[no-untyped-def]
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if too_large:  # close the connection: the rest of the body is never read
                    message["headers"] = [*message.get("headers", []), (b"connection", b"close")]
            await send(message)

        try:
            await self.app(scope, limited_receive, tracked_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        with language(request_language(Request(scope))):
            response = error_response(
                Request(scope), 413, "http_error", _("the request is too large")
            )
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


@dataclass
class ServedWorkspace(Workspace):
    """The workspace as a running service sees it: store URL and key read once, at start.

    ``Workspace.database_url`` and ``.secret_key`` re-read the environment settings on
    every access; on the request path that cost more than a database query.
    """

    served_database_url: str = ""
    served_secret_key: str = ""

    @classmethod
    def of(cls, workspace: Workspace) -> ServedWorkspace:
        return cls(
            root=workspace.root,
            settings=workspace.settings,
            served_database_url=workspace.database_url,
            served_secret_key=workspace.secret_key,
        )

    @property
    def database_url(self) -> str:  # type: ignore[override]
        return self.served_database_url

    @property
    def secret_key(self) -> str:  # type: ignore[override]
        return self.served_secret_key


def create_app(workspace: Workspace) -> FastAPI:
    """The Patron service for one workspace."""
    app = FastAPI(
        title="Patron",
        version=__version__,
        description=(
            "Customer 360, complaints, surveys and analytics results. Authenticate with "
            "`Authorization: Bearer <token>` (create one with `patron token create`)."
        ),
        dependencies=[Depends(verify_csrf)],
        # The docs pages are served from the package's own copies (patron.serve.docs).
        docs_url=None,
        redoc_url=None,
    )
    workspace = ServedWorkspace.of(workspace)
    app.state.workspace = workspace
    app.state.database_url = workspace.database_url
    app.state.secret_key = workspace.secret_key
    _install_error_handlers(app)
    _document_body_errors(app)
    app.include_router(api_router)
    app.include_router(web_router)
    app.include_router(docs.router)
    if VEGA_DIR.is_dir():
        app.mount("/static/vega", StaticFiles(directory=VEGA_DIR), name="vega")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/api/health", tags=["health"])
    async def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.add_middleware(LanguageMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    settings = get_settings()
    app.add_middleware(BodyLimitMiddleware, upload_limit=settings.max_upload_mb * 1024 * 1024)
    # Outermost: a request refused for overload costs no routing, session or body parsing.
    app.add_middleware(
        OverloadMiddleware,
        max_concurrent=settings.max_concurrent,
        max_queue=settings.max_queue,
        queue_timeout_s=settings.queue_timeout_ms / 1000,
        max_lag_s=settings.max_loop_lag_ms / 1000,
    )
    return app


def app_from_environment() -> FastAPI:
    """The app for ``PATRON_WORKSPACE`` (used by ``patron serve --workers N``)."""
    return create_app(Workspace.open())
