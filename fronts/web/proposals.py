"""The proposal form on the web: the same fields, rules and review queue as the chat fronts
(``bot.proposals``), every problem next to its field with the input kept, and a private link
(a secret token, no account) to see the status, edit or withdraw."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from aiohttp import web
from multidict import MultiMapping

from bot.context import Ctx
from bot.doc import Reply
from bot.i18n import t
from bot.proposals import service
from bot.proposals.env import form_env, repo_of
from bot.proposals.form import FIELDS, Choice, Field, FormEnv, choices, normalize
from bot.proposals.model import Answers
from bot.proposals.views import summary
from bot.shared import proposal_changed
from fronts.web.common import YEAR, absolute, anonymous_id, cookie_flags, ctx_for, page
from fronts.web.render import reply_html

HOST_COOKIE = "l4a_host"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def host_id(token: str) -> str:
    """The stored host id of a private-link token (the token itself is never stored)."""
    return "host-" + anonymous_id("host:" + token)


def _token(request: web.Request) -> str | None:
    token = request.match_info.get("token") or request.cookies.get(HOST_COOKIE, "")
    return token if _TOKEN.match(token) else None


def _host_ctx(request: web.Request, token: str | None) -> Ctx:
    return ctx_for(request, host_id(token) if token else "host-none")


@dataclass(frozen=True, slots=True)
class FieldView:
    field: Field
    label: str
    hint: str
    value: str
    values: tuple[str, ...]
    options: tuple[Choice, ...]
    problem: str | None


def _fields(env: FormEnv, answers: Answers, errors: dict[str, str]) -> list[FieldView]:
    lang = env.ctx.lang
    out = []
    for f in FIELDS:
        value = answers.get(f.key, "")
        out.append(
            FieldView(
                f,
                f.label(lang),
                f.hint(lang),
                value,
                tuple(value.split(",")) if f.kind == "multi" else (value,),
                tuple(choices(env, f, value)),
                errors.get(f.key),
            )
        )
    return out


def _form_page(
    request: web.Request,
    env: FormEnv,
    answers: Answers,
    errors: dict[str, str],
    action: str,
    *,
    message: Reply | None = None,
    editing: int = 0,
) -> web.Response:
    return page(
        request,
        "propose.html",
        status=422 if errors or message is not None else 200,
        title=_heading(env.ctx, editing),
        fields=_fields(env, answers, errors),
        errors=errors,
        action=action,
        message=reply_html(message) if message is not None else None,
    )


def _heading(ctx: Ctx, editing: int) -> str:
    if editing:
        return t(ctx.lang, "web.propose.edit_title", ref=f"#{editing}")
    return t(ctx.lang, "web.propose.title")


def _answers(form: MultiMapping[object]) -> Answers:
    answers: Answers = {}
    for f in FIELDS:
        if f.kind == "multi":
            raw = [v for v in form.getall(f.key, []) if isinstance(v, str)]
            answers[f.key] = normalize(f, raw)
        else:
            value = form.get(f.key, "")
            answers[f.key] = normalize(f, value if isinstance(value, str) else "")
    return answers


async def form(request: web.Request) -> web.StreamResponse:
    ctx = _host_ctx(request, _token(request))
    started = await service.start(ctx, 0)
    if isinstance(started, Reply):
        return page(request, "message.html", title=_heading(ctx, 0), body=reply_html(started))
    answers, env = started
    return _form_page(request, env, answers, {}, request.path)


async def send(request: web.Request) -> web.StreamResponse:
    token = _token(request) or secrets.token_urlsafe(24)
    ctx = _host_ctx(request, token)
    answers = _answers(await request.post())
    result = await service.submit(ctx, 0, answers)
    if result.proposal is None:
        env = await form_env(ctx)
        message = None if result.errors else result.reply
        response = _form_page(request, env, answers, result.errors, request.path, message=message)
    else:
        await _tell_reviewers(ctx, result.proposal.id)
        location = (
            request.app.router["mine"].url_for(token=token).with_query(new=result.proposal.id)
        )
        response = web.HTTPSeeOther(str(location))
    response.set_cookie(HOST_COOKIE, token, max_age=YEAR, **cookie_flags(request))
    if isinstance(response, web.HTTPException):
        raise response
    return response


async def _tell_reviewers(ctx: Ctx, proposal_id: int) -> None:
    """The review queue's fronts (Discord's review channel) learn of a new or changed proposal."""
    await proposal_changed(ctx.hub, proposal_id)  # in this process and the others


async def mine(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    if not _TOKEN.match(token):
        raise web.HTTPNotFound()
    ctx = _host_ctx(request, token)
    env = await form_env(ctx)
    repo = repo_of(ctx.hub)
    proposals = await repo.by_host(ctx.caller.front, ctx.caller.user_id)
    for notice in await repo.undelivered(ctx.caller.front):  # the host sees the decisions here
        if notice.user_id == ctx.caller.user_id:
            await repo.delivered(notice.id, ctx.now)
    new = request.query.get("new", "")
    return page(
        request,
        "mine.html",
        title=_heading(ctx, 0),
        link=absolute(request, f"/my/{token}"),
        token=token,
        new=int(new) if new.isdigit() else None,
        items=[(p, reply_html(summary(env, p), "h3")) for p in proposals],
    )


def _target(request: web.Request) -> tuple[str, int]:
    token = request.match_info["token"]
    if not _TOKEN.match(token):
        raise web.HTTPNotFound()
    return token, int(request.match_info["id"])


async def edit_form(request: web.Request) -> web.StreamResponse:
    token, target = _target(request)
    ctx = _host_ctx(request, token)
    started = await service.start(ctx, target)
    if isinstance(started, Reply):
        return page(request, "message.html", title=_heading(ctx, target), body=reply_html(started))
    answers, env = started
    return _form_page(request, env, answers, {}, request.path, editing=target)


async def edit_send(request: web.Request) -> web.StreamResponse:
    token, target = _target(request)
    ctx = _host_ctx(request, token)
    answers = _answers(await request.post())
    result = await service.submit(ctx, target, answers)
    if result.proposal is None:
        env = await form_env(ctx)
        message = None if result.errors else result.reply
        return _form_page(
            request, env, answers, result.errors, request.path, message=message, editing=target
        )
    await _tell_reviewers(ctx, target)
    raise web.HTTPSeeOther(str(request.app.router["mine"].url_for(token=token)))


async def withdraw(request: web.Request) -> web.StreamResponse:
    token, target = _target(request)
    ctx = _host_ctx(request, token)
    reply, proposal = await service.withdraw(ctx, target)
    if proposal is None:
        return page(
            request, "message.html", status=409, title=_heading(ctx, target), body=reply_html(reply)
        )
    await _tell_reviewers(ctx, target)
    raise web.HTTPSeeOther(str(request.app.router["mine"].url_for(token=token)))


def setup(app: web.Application) -> None:
    app.router.add_get("/propose", form, name="propose")
    app.router.add_post("/propose", send)
    app.router.add_get("/my/{token}", mine, name="mine")
    app.router.add_get("/my/{token}/edit/{id:\\d{1,9}}", edit_form, name="edit")
    app.router.add_post("/my/{token}/edit/{id:\\d{1,9}}", edit_send)
    app.router.add_post("/my/{token}/withdraw/{id:\\d{1,9}}", withdraw, name="withdraw")
