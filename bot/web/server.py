"""The web server inside the bot process: dashboard, public pages, tracked links.

Routes sit in one table (`routes()`); handlers ask a view-model (bot/web/pages.py) and render
a template. Security is middleware, not per handler: headers on every answer, and a CSRF token
checked on every POST. Every dashboard handler asks `_seat()` first, which refuses (403) any
community the session was not signed into: checks fail closed.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from bot.core.permissions import Level
from bot.core.published import Cell, Period
from bot.core.refs import CommunityRef
from bot.db.dialect import insert_for
from bot.db.models import Community as CommunityRow
from bot.db.models_web import PublicPage
from bot.i18n import LOCALES, format_moment, format_number, t
from bot.services import Services
from bot.web import pages
from bot.web.access import Seat, SignedIn
from bot.web.links import safe_target

log = logging.getLogger(__name__)

SESSION_COOKIE = "kenes_session"
LANG_COOKIE = "kenes_lang"
LOGIN_COOKIE = "kenes_login"  # ties the login form to the browser that opened the link
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SIGNED_IN = web.RequestKey("kenes_signed_in", SignedIn)
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def secret_key(services: Services) -> str:
    """The cookie-signing key from the environment, or a random one for this process."""
    key = os.environ.get(services.config.web.secret_env, "")
    if len(key) >= 32:
        return key
    if key:
        log.warning(
            "$%s is shorter than 32 characters; using a random key", services.config.web.secret_env
        )
    else:
        log.info(
            "$%s is unset: sessions end when the process stops", services.config.web.secret_env
        )
    return secrets.token_urlsafe(32)


class Dashboard:
    """The aiohttp application of the public listener."""

    def __init__(self, services: Services, key: str | None = None) -> None:
        self.services = services
        self.config = services.config.web
        self._signer = URLSafeSerializer(key or secret_key(services), salt="kenes-web")
        self._secure = self.config.base_url.startswith("https://")
        self.templates = Environment(
            loader=PackageLoader("bot.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    # -- the application ----------------------------------------------------------------

    def routes(self) -> list[web.AbstractRouteDef]:
        return [
            web.get("/", self.home),
            web.get("/login/{token}", self.login_page),
            web.post("/login/{token}", self.login),
            web.post("/logout", self.logout),
            web.post("/lang", self.language),
            web.get("/c/{community:\\d+}/{page}", self.page),
            web.post("/c/{community:\\d+}/public", self.set_public),
            web.get("/p/{community:\\d+}/ideas", self.public_ideas),
            web.get("/l/{link}", self.follow),
            web.static("/static", str(_static_dir()), append_version=True),
        ]

    def application(self) -> web.Application:
        app = web.Application(middlewares=[self._headers, self._session, self._csrf])
        app.add_routes(self.routes())
        return app

    # -- middleware -----------------------------------------------------------------------

    @web.middleware
    async def _headers(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            if exc.status >= 400:
                response = self._error(request, exc.status)
            else:  # a redirect: raised on, with the same headers
                _secure_headers(request, exc)
                raise
        except Exception:
            log.exception("the web page %s failed", request.path)
            response = self._error(request, 500)
        _secure_headers(request, response)
        return response

    @web.middleware
    async def _session(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        signed = await self._signed_in(request)
        if signed is not None:
            request[SIGNED_IN] = signed
        return await handler(request)

    @web.middleware
    async def _csrf(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Every POST carries the token of its session (or, to log in, of its login page)."""
        if request.method == "POST":
            sent = str((await request.post()).get("csrf", ""))
            if request.path.startswith("/login/"):
                expected = self._unsign(request.cookies.get(LOGIN_COOKIE, ""))
            else:
                signed = _signed(request)
                expected = signed.csrf if signed is not None else ""
            if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
                raise web.HTTPForbidden()
        return await handler(request)

    # -- helpers --------------------------------------------------------------------------

    def _unsign(self, value: str) -> str:
        try:
            found = self._signer.loads(value)
        except BadSignature:
            return ""
        return found if isinstance(found, str) else ""

    async def _signed_in(self, request: web.Request) -> SignedIn | None:
        sid = self._unsign(request.cookies.get(SESSION_COOKIE, ""))
        return await self.services.logins.session(sid) if sid else None

    def _locale(self, request: web.Request, seat: Seat | None = None) -> str:
        chosen = request.query.get("lang") or request.cookies.get(LANG_COOKIE, "")
        if chosen in LOCALES:
            return chosen
        if seat is not None:
            return self.services.config.community(seat.ref).locale
        for part in request.headers.get("Accept-Language", "").split(","):
            code = part.split(";")[0].strip().lower()[:2]
            if code in LOCALES:
                return code
        return "en"

    def _seat(self, request: web.Request) -> Seat:
        signed = _signed(request)
        if signed is None:
            raise web.HTTPFound("/")
        seat = signed.seat(int(request.match_info["community"]))
        if seat is None or seat.level < Level.MODERATOR:
            raise web.HTTPForbidden()
        return seat

    def render(
        self, request: web.Request, name: str, locale: str, status: int = 200, **values: Any
    ) -> web.Response:
        signed = _signed(request)

        def tr(key: str, /, **params: object) -> str:
            return t(locale, key, **params)

        def cell(value: Cell) -> str:
            if value is None or value == "":
                return "—"
            if isinstance(value, bool):
                return tr("web.yes") if value else tr("web.no")
            if isinstance(value, int | float):
                return format_number(value, locale)
            if isinstance(value, datetime):
                seat = values.get("seat")
                zone = self.services.config.community(seat.ref) if isinstance(seat, Seat) else None
                moment = zone.local(value) if zone is not None else value
                return format_moment(moment, locale, "short")
            return str(value)

        def link(value: Cell) -> Markup | str:
            """A stored link as an anchor, only when it is http(s); anything else a dash."""
            if not isinstance(value, str) or not safe_target(value):
                return "—"
            return Markup(
                '<a href="{}" rel="noopener noreferrer nofollow" target="_blank">{}</a>'
            ).format(value, tr("web.open_message"))

        html = self.templates.get_template(name).render(
            t=tr,
            cell=cell,
            link=link,
            locale=locale,
            locales=LOCALES,
            signed=signed,
            csrf=signed.csrf if signed is not None else "",
            path=request.path_qs,
            **values,
        )
        return web.Response(text=html, content_type="text/html", status=status)

    def _error(self, request: web.Request, status: int) -> web.Response:
        locale = self._locale(request)
        key = {403: "forbidden", 404: "not_found"}.get(status, "error")
        return self.render(
            request, "error.html", locale, status=status, key=key, seat=None, page=""
        )

    def _cookie(self, response: web.StreamResponse, name: str, value: str, max_age: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            httponly=True,
            samesite="Lax",
            secure=self._secure,
            path="/",
        )

    # -- handlers -------------------------------------------------------------------------

    async def home(self, request: web.Request) -> web.StreamResponse:
        signed = _signed(request)
        if signed is not None and signed.seats:
            raise web.HTTPFound(f"/c/{signed.seats[0].community_id}/overview")
        return self.render(request, "home.html", self._locale(request), seat=None, page="")

    async def login_page(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        locale = self._locale(request)
        if not await self.services.logins.valid(token):
            return self.render(
                request, "error.html", locale, status=403, key="link_spent", seat=None, page=""
            )
        # Opening the link signs nobody in (chat apps fetch links for previews); the button does.
        nonce = secrets.token_urlsafe(24)
        response = self.render(request, "login.html", locale, seat=None, page="", login_csrf=nonce)
        self._cookie(response, LOGIN_COOKIE, self._signer.dumps(nonce), 15 * 60)
        return response

    async def login(self, request: web.Request) -> web.StreamResponse:
        spent = await self.services.logins.redeem(request.match_info["token"], _signed(request))
        if spent is None:
            locale = self._locale(request)
            return self.render(
                request, "error.html", locale, status=403, key="link_spent", seat=None, page=""
            )
        sid, community_id = spent
        response = web.HTTPSeeOther(f"/c/{community_id}/overview")
        self._cookie(
            response, SESSION_COOKIE, self._signer.dumps(sid), self.config.session_hours * 3600
        )
        response.del_cookie(LOGIN_COOKIE, path="/")
        raise response

    async def logout(self, request: web.Request) -> web.StreamResponse:
        signed = _signed(request)
        if signed is not None:
            await self.services.logins.end(signed.id)
        response = web.HTTPSeeOther("/")
        response.del_cookie(SESSION_COOKIE, path="/")
        raise response

    async def language(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        chosen = str(form.get("lang", ""))
        back = str(form.get("back", "/"))
        if chosen not in LOCALES:
            raise web.HTTPBadRequest()
        # Only a path of ours: never a redirect to somewhere else.
        if not back.startswith("/") or back.startswith("//") or "\\" in back:
            back = "/"
        response = web.HTTPSeeOther(back)
        self._cookie(response, LANG_COOKIE, chosen, 365 * 86400)
        raise response

    async def page(self, request: web.Request) -> web.StreamResponse:
        seat = self._seat(request)
        name = request.match_info["page"]
        view = pages.VIEWS.get(name)
        if view is None:
            raise web.HTTPNotFound()
        locale = self._locale(request, seat)
        weeks = _weeks(request)
        period = pages.period_for(self.services, seat, locale, weeks)
        shown = await view(self.services, period)
        return self.render(
            request,
            f"{name}.html",
            locale,
            seat=seat,
            page=name,
            view=shown,
            weeks=weeks,
            week_choices=pages.WEEK_CHOICES,
            pages=pages.PAGES,
            base=self.config.root,
            admin=seat.level >= Level.ADMIN,
        )

    async def set_public(self, request: web.Request) -> web.StreamResponse:
        seat = self._seat(request)
        if seat.level < Level.ADMIN:
            raise web.HTTPForbidden()
        form = await request.post()
        signed = _signed(request)
        assert signed is not None
        values = {
            "ideas": form.get("ideas") == "on",
            "show_names": form.get("show_names") == "on",
            "updated_by": signed.user.id,
            "updated_at": self.services.clock.now(),
        }
        async with self.services.sessions.begin() as session:
            await session.execute(
                insert_for(session, PublicPage)
                .values(community_id=seat.community_id, **values)
                .on_conflict_do_update(index_elements=["community_id"], set_=values)
            )
        raise web.HTTPSeeOther(f"/c/{seat.community_id}/ideas")

    async def public_ideas(self, request: web.Request) -> web.StreamResponse:
        community_id = int(request.match_info["community"])
        async with self.services.sessions() as session:
            row = await session.get(CommunityRow, community_id)
        if row is None:
            raise web.HTTPNotFound()
        ref = CommunityRef(row.platform, row.external_id)
        seat = Seat(community_id, ref, Level.MEMBER)
        locale = self._locale(request, seat)
        settings = self.services.config.community(ref)
        now = self.services.clock.now()
        period = Period(
            ref, community_id, locale, settings.timezone, now - timedelta(days=365), now, limit=200
        )
        public, board = await pages.public_ideas(self.services, period)
        if public is None:
            raise web.HTTPNotFound()
        return self.render(
            request, "public_ideas.html", locale, seat=seat, page="public", board=board
        )

    async def follow(self, request: web.Request) -> web.StreamResponse:
        target = await self.services.links.follow(request.match_info["link"][:16])
        if target is None:
            raise web.HTTPNotFound()
        raise web.HTTPFound(target)


def _secure_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Login links carry their token in the path: never send it on as a referrer.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"


def _signed(request: web.Request) -> SignedIn | None:
    return request.get(SIGNED_IN)


def _weeks(request: web.Request) -> int:
    try:
        weeks = int(request.query.get("weeks", "8"))
    except ValueError:
        return 8
    return weeks if weeks in pages.WEEK_CHOICES else 8


def _static_dir() -> Any:
    from importlib import resources

    return resources.files("bot.web").joinpath("static")


class WebServer:
    """Runs an aiohttp application on a host and port; `port` 0 picks a free one (tests)."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._app = app
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.port = port

    async def start(self) -> None:
        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        self.port = int(self._runner.addresses[0][1])
        log.info("web listener on %s:%d", self._host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
