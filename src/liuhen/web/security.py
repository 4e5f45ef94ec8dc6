"""What every response of the desk console carries, and what every request must show: the reverse proxy's
scheme and host (when trusted), security headers, the session, CSRF on forms, and a limit on sign-ins."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web

from liuhen.app.usecases import desk
from liuhen.domain.desk import MAX_AGE, csrf_of
from liuhen.texts import desk as texts
from liuhen.web.state import STAFF, STATE, TOKEN, Desk

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

COOKIE = "liuhen_desk"
# No inline script or style, no third-party origin: everything the pages use is served by the app itself.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; media-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
#: Paths served without a session: the sign-in pages and the console's own static files.
OPEN = ("/signin", "/static/", "/healthz", "/favicon.ico")
ASSETS = ("/static/", "/healthz", "/favicon.ico")


@web.middleware
async def forwarded(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Behind a trusted reverse proxy: the scheme and host the browser used (Secure cookies, links)."""
    if request.app[STATE].trust_proxy:
        proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip()
        host = request.headers.get("X-Forwarded-Host", "").split(",")[0].strip()
        # the proxy appends the address it saw: the last entry is the one no client can forge
        client = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        changes: dict[str, str] = {}
        if proto in ("http", "https"):
            changes["scheme"] = proto
        if host:
            changes["host"] = host
        if client:
            changes["remote"] = client
        if changes:
            request = request.clone(**changes)  # type: ignore[arg-type]
    return await handler(request)


@web.middleware
async def headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
        _harden(request, response)
        raise
    _harden(request, response)
    return response


def _harden(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if not request.path.startswith("/static/"):
        # a record page must not stay in a shared browser's cache or a proxy's
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"


@web.middleware
async def session(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The signed-in staff member (``request[STAFF]``) from the cookie, or the way to sign in."""
    state: Desk = request.app[STATE]
    if request.method == "POST" and not same_origin(request):
        raise web.HTTPForbidden(text=texts.FORM_EXPIRED)  # a form of another site: never acted on
    token = request.cookies.get(COOKIE, "")
    staff = None
    if token and not request.path.startswith(ASSETS):  # a stylesheet needs no session read
        db = state.runtime.db
        staff = await desk.current(
            db.uow(read_only=True), token=token, now=state.runtime.clock.now(), writing=db.uow()
        )
    request[STAFF], request[TOKEN] = staff, token if staff is not None else ""
    if staff is None and not request.path.startswith(OPEN):
        if request.method == "GET":
            raise web.HTTPSeeOther("/signin")
        raise web.HTTPForbidden(text=texts.NOT_SIGNED_IN)
    if request.method == "POST" and staff is not None:
        form = await request.post()
        sent = str(form.get("csrf", ""))
        if not hmac.compare_digest(sent, csrf_of(token)):
            raise web.HTTPForbidden(text=texts.FORM_EXPIRED)
    return await handler(request)


def same_origin(request: web.Request) -> bool:
    """A POST from one of the console's own pages (the browser says so; tools without these headers pass,
    the CSRF token still guards them): also refuses a forged sign-in, which has no session to check."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:  # every current browser says where a request comes from
        return site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":  # (with no-referrer, browsers send "null" for their own forms)
        return True
    return origin == f"{request.scheme}://{request.host}"


def set_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(MAX_AGE.total_seconds()),
        httponly=True,
        secure=request.secure,
        samesite="Strict",
        path="/",
    )


def clear_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path="/")
