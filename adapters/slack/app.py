"""The Slack adapter: the real Bolt app, translating Slack's payloads to core requests.

Every slash command, button, modal and Home tab goes the same way: turn the
payload into a `Request`, await the core's dispatcher, render the `Reply` as
Block Kit. Nothing here knows what a poll is: commands come from the registry,
modals from command declarations, and buttons carry the command text they run.

Slack gives up on a request after three seconds, so when it hears back matters. A
slash command's reply rides on its acknowledgement when the command is done within
`ACK_BUDGET` (Slack shows the acknowledgement's body as the reply): no second
request to its `response_url`, and the member sees the answer as soon as Slack
hears back. A slower command is acknowledged empty at the budget and answered
through the `response_url` when it is done. Buttons and events are acknowledged at
once and worked on afterwards (Slack ignores a message in their acknowledgement);
a modal's submission runs first, so a refusal can show on its fields.

Slack re-delivers a request it thinks was lost (`X-Slack-Retry-Num`), and people
double-click. Both are dropped before they reach the core, so nothing is done
twice, whichever instance each copy reaches: a delivery is claimed in the
database by Slack's identity of it (`bot.inbound`), and a double click by who
clicked which button on which message within a couple of seconds.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.slack import forms
from adapters.slack.acks import AckSlot, Respond
from adapters.slack.escapes import from_slack
from adapters.slack.mentions import COMMAND_BUDGET, VIEW_BUDGET, name_mentions
from adapters.slack.poster import SlackPoster, error_code
from adapters.slack.profiles import SlackProfiles
from adapters.slack.render import (
    ask_from_value,
    render_message,
    render_view_blocks,
)
from bot.app import App, quiet_libraries
from bot.context import Place, Request
from bot.declarations import CommandSpec
from bot.home import dashboard
from bot.inbound import RETENTION, Claim, first_delivery
from bot.metrics import DUPLICATES, INBOUND
from bot.parser import BadArgument, ParseEnv, locate, parse
from bot.reply import Ask, Reply, Visibility

log = logging.getLogger("chapterhouse.slack")

PLATFORM = "slack"
IN_FLIGHT = 16
"""Requests worked on at once; the rest wait without costing the event loop anything,
so a burst cannot crowd out the acknowledgements Slack is waiting for (a slash command
still queued at its budget is acknowledged empty, and answered when its turn comes)."""
DOUBLE_CLICK = timedelta(seconds=2)
"""Within this, the same member clicking the same button again is a double click."""
ARRIVED = "chapterhouse_arrived"
"""The request's context key: when it reached the adapter (the event loop's clock)."""
CLAIMS = "chapterhouse_claims"
"""The request's context key: its delivery claims, left for the command's own transaction
(`Folded`), for the payloads whose listener runs a command at once."""
ACK_BUDGET = 2.0
"""Seconds a slash command may take for its reply to be its acknowledgement's body;
well under Slack's three, so a busy moment or a slow network still leaves room."""


class SlackAdapter:
    """The Bolt app and the poster for one workspace, composed with the core `App`."""

    def __init__(
        self,
        core: App,
        *,
        token: str,
        signing_secret: str,
        api_url: str = "https://slack.com/api/",
        max_in_flight: int = IN_FLIGHT,
        ack_budget: float = ACK_BUDGET,
    ) -> None:
        quiet_libraries("slack_bolt", "slack_sdk")  # they log bodies: who clicked what
        self.core = core
        self.session = aiohttp.ClientSession()
        """One connection pool for the Web API and response_urls (made inside the loop)."""
        self.client = AsyncWebClient(
            token=token,
            session=self.session,
            base_url=api_url if api_url.endswith("/") else api_url + "/",
            retry_handlers=[
                AsyncConnectionErrorRetryHandler(max_retry_count=2),
                AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            ],
        )
        self.poster = SlackPoster(self.client, confirm=self.confirm_prompt)
        self.profiles = SlackProfiles(self.client)
        if core.profiles is not None:
            core.profiles.add_source(self.profiles)
        self.bolt = AsyncApp(
            client=self.client,
            signing_secret=signing_secret,
            # Listeners acknowledge and hand the work to a task (`_later`), so Bolt
            # answers as soon as they return: its other mode polls for the ack every
            # 10 ms, which costs every command that much before Slack hears back.
            process_before_response=True,
            raise_error_for_unhandled_request=False,
        )
        self._groups = frozenset(core.registry.group_names())
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self.ack_budget = ack_budget
        """Seconds a slash command's reply may take to ride on its acknowledgement."""
        self._register()

    # -- wiring ---------------------------------------------------------------

    def _register(self) -> None:
        bolt = self.bolt
        bolt.middleware(self._drop_duplicates)
        # One listener for every group: Bolt tries its listeners in order, building
        # each one's arguments, so a command should not walk past a dozen of them.
        groups = "|".join(re.escape(group) for group in self.core.registry.group_names())
        bolt.command(re.compile(f"^/(?:{groups})$"))(self._on_slash_command)
        bolt.action({"action_id": _prefixed("run:")})(self._on_run_action)
        bolt.action({"action_id": _prefixed("ask:")})(self._later(self._on_ask_button))
        # A modal's answer is its acknowledgement (errors shown on its fields): run first.
        bolt.view("form")(self._on_form)
        bolt.view("ask")(self._on_ask)
        bolt.view("confirm")(self._on_confirm)
        bolt.view("prefilled")(self._on_prefilled)
        bolt.event("app_home_opened")(self._later(self._on_home_opened))
        bolt.event("app_uninstalled")(self._on_revoked)
        bolt.event("tokens_revoked")(self._on_revoked)
        # Registered last, so they only see what nothing above took: acknowledged (a
        # 404 or 500 makes Slack retry and warn the workspace) and ignored.
        anything = re.compile(".*")
        bolt.event(anything)(self._ignore)
        bolt.action(anything)(self._ignore)
        bolt.view(anything)(self._ignore)
        bolt.shortcut(anything)(self._ignore)
        bolt.options(anything)(self._ignore)

    async def _ignore(self, ack: AsyncAck, body: Mapping[str, Any]) -> None:
        await ack()
        log.debug("ignored a Slack payload not meant for us: %s", _kind(body))

    async def _on_revoked(self, ack: AsyncAck, body: Mapping[str, Any]) -> None:
        """Uninstalled, or its tokens revoked: stop posting to the workspace, and say why."""
        await ack()
        kind = str((body.get("event") or {}).get("type", "tokens_revoked"))
        self.poster.revoked = (
            "slack: the app was uninstalled from the workspace; reinstall it to post again"
            if kind == "app_uninstalled"
            else "slack: the workspace revoked the app's tokens; reinstall it to post again"
        )
        log.warning("Slack: %s; posts to the workspace stop", kind)

    def _later(
        self, work: Callable[[Mapping[str, Any]], Coroutine[Any, Any, None]]
    ) -> Callable[[AsyncAck, Mapping[str, Any]], Awaitable[None]]:
        """A listener that acknowledges at once and does `work(body)` in a task."""

        async def listener(ack: AsyncAck, body: Mapping[str, Any]) -> None:
            await ack()
            self._spawn(work(body))

        return listener

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """`work` in a task of its own, within the in-flight limit; awaited by `aclose`."""

        async def limited() -> None:
            async with self._in_flight:
                await work

        task = asyncio.create_task(limited())
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    async def _on_slash_command(
        self, ack: AsyncAck, body: Mapping[str, Any], context: Mapping[str, Any]
    ) -> None:
        """Acknowledge with the reply if it is ready within the budget, else empty.

        The budget counts from the request's arrival, so the time its claim took (a
        database write) is spent from it. The command runs in a task of its own
        either way, so it goes on after an empty acknowledgement and answers
        through the `response_url` then.
        """
        loop = asyncio.get_running_loop()
        spent = loop.time() - float(context.get(ARRIVED, loop.time()))
        slot = AckSlot(self.ack_budget - spent)
        respond = slot.responder(self._responder(body.get("response_url", "")))
        task = self._spawn(self._on_command(body, respond, context.get(CLAIMS)))
        task.add_done_callback(lambda _: slot.settle(None))
        try:
            message = await slot.settled
            await (ack(message) if message is not None else ack())
        finally:
            slot.settle(None)  # cancelled before acknowledging: the reply goes to the URL
            slot.acked.set()

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("handling a Slack request failed", exc_info=task.exception())

    async def _drop_duplicates(
        self, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        """Acknowledge and drop Slack's re-deliveries and people's double clicks.

        A re-delivery carries the very body Slack sent first (only its signature
        headers change), so Slack's identity of the request in it (`_delivery_key`)
        recognises it, whichever instance it reaches. A double click is two
        payloads, so it is recognised by who clicked which button on which message.
        Only a payload routed to us is claimed: one we ignore leaves no trace, and its
        re-deliveries are ignored just the same.

        A slash command and a `run:` click are claimed by the command they run,
        inside its own transaction (`Dispatcher.handle_once`): the claims wait in the
        request's context (`CLAIMS`). Everything else is claimed here, in a
        transaction of its own, before its listener runs.
        """
        req.context[ARRIVED] = asyncio.get_running_loop().time()
        if not self._ours(req.body):
            await next()
            return None
        claims: list[Claim] = [(_delivery_key(req.body, req.raw_body), RETENTION)]
        click = _click_key(req.body)
        if click is not None:
            digest = hashlib.sha256(click.encode()).hexdigest()
            claims.append((f"slack:click:{digest}", DOUBLE_CLICK))
        retry = bool(req.headers.get("x-slack-retry-num")) or click is None
        folded = Folded(tuple(claims), "retry" if retry else "double_click")
        if _runs_at_once(req.body):
            req.context[CLAIMS] = folded
        elif not await folded.first(self.core.sessions):
            return BoltResponse(status=200, body="")
        await next()
        return None

    def _ours(self, body: Mapping[str, Any]) -> bool:
        """Whether a listener of ours acts on the payload (as `_register` routes it)."""
        if body.get("command"):
            return str(body["command"]).lstrip("/") in self._groups
        kind = body.get("type")
        if kind == "block_actions":
            action = (body.get("actions") or [{}])[0]
            action_id = str(action.get("action_id", ""))
            if action_id.startswith("ask:"):
                return True
            button = action.get("type", "button") == "button" and bool(action.get("value"))
            return action_id.startswith("run:") and button
        if kind == "view_submission":
            return _our_metadata(body) is not None
        if kind == "event_callback":
            return _kind(body) in _OUR_EVENTS
        return False

    # -- slash commands -------------------------------------------------------

    async def _on_command(
        self, command: Mapping[str, Any], respond: Respond, folded: Folded | None = None
    ) -> None:
        """A slash command; its body is the form Slack posted (`command`, `text`, …).

        `folded`: its claims, for the command's transaction; a command that opens a
        dialog instead runs nothing yet, so it claims them apart first.
        """
        INBOUND.labels(PLATFORM, "command").inc()
        folded = folded or Folded()
        text = f"{command['command']} {from_slack(command.get('text') or '')}".strip()
        place = slack_place(command.get("channel_id", ""), command.get("channel_name", ""))
        spec = self._spec(text)
        if spec is not None and spec.form and _bare(text, spec):
            if await folded.first(self.core.sessions):
                await self._open(command["trigger_id"], self._form_view(spec, place), respond)
            return
        if spec is not None and spec.confirm and self._parses(text):
            if not await folded.first(self.core.sessions):
                return
            view = forms.confirm_view(
                _confirm_text(spec),
                command=text,
                callback_id="confirm",
                metadata=_metadata(place, command=text),
            )
            await self._open(command["trigger_id"], view, respond)
            return
        text = str((await self._named({"text": text}))["text"])
        request = Request(
            PLATFORM,
            command["user_id"],
            command.get("user_name", ""),
            place,
            text=text,
            claims=folded.claims,
        )
        reply = await self.core.dispatcher.handle_once(request)
        if reply is None:
            folded.repeated()
            return
        if reply.ok and reply.form is not None:
            await self._open_form(command["trigger_id"], reply, place, respond)
            return
        await self._respond(respond, reply, place.channel_id, command["user_id"])

    async def _named(
        self, texts: Mapping[str, str | tuple[str, ...]], budget: float = COMMAND_BUDGET
    ) -> dict[str, str | tuple[str, ...]]:
        """Mentions of accounts new to Chapterhouse, named from Slack (`mentions.py`)."""
        return await name_mentions(texts, self.core.sessions, self.profiles, budget)

    def _spec(self, text: str) -> CommandSpec | None:
        try:
            return locate(self.core.registry, text)[0]
        except BadArgument:
            return None

    def _parses(self, text: str) -> bool:
        """Whether a destructive command is well-formed, so no dialog is opened for a typo."""
        env = ParseEnv(PLATFORM, self.core.clock.now(), self.core.settings.tz)
        try:
            parse(self.core.registry, text, env)
        except BadArgument:
            return False
        return True

    def _form_view(self, spec: CommandSpec, place: Place) -> dict[str, Any]:
        metadata = _metadata(place, path=[spec.group, spec.name])
        return forms.form_view(spec, callback_id="form", metadata=metadata)

    async def _open(self, trigger_id: str, view: dict[str, Any], respond: Respond) -> None:
        try:
            await self.client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as error:
            log.warning("views.open failed: %s", error_code(error))
            await respond(
                text="Slack would not open the form (it took too long); type the command "
                "again, or add its arguments to the command.",
                response_type="ephemeral",
            )

    def _responder(self, response_url: str) -> Respond:
        """Replies through the request's response_url, over one shared connection pool."""

        async def respond(**message: Any) -> None:
            if not response_url:
                return
            client = AsyncWebhookClient(
                response_url,
                session=self.session,
                retry_handlers=[AsyncConnectionErrorRetryHandler(max_retry_count=2)],
            )
            response = await client.send_dict(message)
            if response.status_code != 200:
                log.warning("response_url answered %s", response.status_code)

        return respond

    async def drain(self) -> None:
        """Until the work already acknowledged is finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        """Finish the work already acknowledged, then close the connection pool."""
        await self.drain()
        await self.session.close()

    async def _respond(self, respond: Respond, reply: Reply, channel_id: str, user_id: str) -> None:
        public = reply.ok and reply.visibility == "public"
        await respond(
            **render_message(reply, confirm=self.confirm_prompt),
            response_type="in_channel" if public else "ephemeral",
            replace_original=False,
        )
        try:
            await self.poster.send_files(channel_id, user_id, reply)
        except Exception:
            log.exception("sending the files of a reply failed")

    def confirm_prompt(self, action: str) -> str | None:
        """Buttons that run a destructive command ask Slack to confirm first."""
        spec = self._spec(action)
        if spec is None or not spec.confirm:
            return None
        return f"This runs `{action}`. {_confirm_text(spec)}"

    # -- buttons --------------------------------------------------------------

    async def _on_run_action(
        self, ack: AsyncAck, body: Mapping[str, Any], context: Mapping[str, Any]
    ) -> None:
        """A `run:` click: acknowledged at once, its command run in a task with its claims."""
        await ack()
        self._spawn(self._on_button(body, context.get(CLAIMS)))

    async def _on_button(self, body: Mapping[str, Any], folded: Folded | None = None) -> None:
        respond = self._responder(body.get("response_url", ""))
        INBOUND.labels(PLATFORM, "action").inc()
        action = body["actions"][0]
        if action.get("type", "button") != "button" or not action.get("value"):
            log.debug("ignored a %s action with our prefix", action.get("type"))
            return
        folded = folded or Folded()
        user = body["user"]
        place = _place(body)
        request = Request(
            PLATFORM,
            user["id"],
            user.get("username") or user.get("name", ""),
            place,
            text=str(action.get("value", "")),
            claims=folded.claims,
        )
        reply = await self.core.dispatcher.handle_once(request)
        if reply is None:
            folded.repeated()
            return
        if reply.ok and reply.form is not None and body.get("trigger_id"):
            await self._open_form(body["trigger_id"], reply, place, respond)
            return
        if body.get("container", {}).get("type") == "view":  # the Home tab: no response_url
            await self.poster.direct(user["id"], reply)
            await self.publish_home(user["id"])
            return
        await self._respond(respond, _private(reply), place.channel_id, user["id"])

    async def _on_ask_button(self, body: Mapping[str, Any]) -> None:
        respond = self._responder(body.get("response_url", ""))
        INBOUND.labels(PLATFORM, "action").inc()
        parsed = ask_from_value(str(body["actions"][0].get("value", "")))
        if parsed is None:
            await respond(text="That button is out of date.", response_type="ephemeral")
            return
        action, ask = parsed
        values = [value for _, value in ask.options]  # labels stay behind: metadata is small
        metadata = _metadata(
            _place(body), command=action, values=values, most=ask.most, ordered=ask.ordered
        )
        view = forms.ask_view(ask, callback_id="ask", metadata=metadata)
        await self._open(body["trigger_id"], view, respond)

    # -- modals ---------------------------------------------------------------

    async def _on_form(self, ack: AsyncAck, body: Mapping[str, Any]) -> None:
        INBOUND.labels(PLATFORM, "view").inc()
        meta = _our_metadata(body)
        if meta is None:
            await self._ignore(ack, body)
            return
        spec = self.core.registry.get(*meta["path"])
        if spec is None:  # a form left open across an upgrade that removed its command
            await ack()
            await self.poster.ephemeral(
                _meta_place(meta).channel_id,
                body["user"]["id"],
                Reply.error("That form is out of date; type the command again."),
            )
            return
        values = await self._named(
            forms.form_values(spec, body["view"]["state"]["values"]), VIEW_BUDGET
        )
        request = Request(
            PLATFORM,
            body["user"]["id"],
            _user_name(body),
            _meta_place(meta),
            path=(spec.group, spec.name),
            values=values,
        )
        await self._settle_view(ack, body, request, forms.error_block(spec, ""), spec)

    async def _open_form(
        self, trigger_id: str, reply: Reply, place: Place, respond: Respond
    ) -> None:
        """A command answered with a pre-filled form (a draft to edit): open it as a modal."""
        form = reply.form
        assert form is not None
        # What the submission needs, without the drafts (the modal carries those).
        bare = replace(form, fields=tuple(replace(f, default="") for f in form.fields))
        metadata = _metadata(place, form=Reply("", (bare,)).to_json()["blocks"][0])
        try:
            view = forms.prefilled_view(form, callback_id="prefilled", metadata=metadata)
        except ValueError:  # too much to carry in the modal: show the draft instead
            await self._respond(respond, reply, place.channel_id, "")
            return
        await self._open(trigger_id, view, respond)

    async def _on_prefilled(self, ack: AsyncAck, body: Mapping[str, Any]) -> None:
        INBOUND.labels(PLATFORM, "view").inc()
        meta = _our_metadata(body)
        if meta is None:
            await self._ignore(ack, body)
            return
        form = Reply.from_json({"text": "", "blocks": [meta["form"]]}).form
        assert form is not None
        filled = forms.prefilled_values(form, body["view"]["state"]["values"])
        request = Request(
            PLATFORM,
            body["user"]["id"],
            _user_name(body),
            _meta_place(meta),
            path=form.path,
            values=form.values(filled),
        )
        spec = self.core.registry.get(*form.path)
        if spec is not None:  # errors go under the field they name, among the form's own
            shown = {f.name for f in form.fields}
            spec = replace(spec, params=tuple(p for p in spec.params if p.name in shown))
        await self._settle_view(
            ack, body, request, form.fields[0].name, spec if spec and spec.params else None
        )

    async def _on_ask(self, ack: AsyncAck, body: Mapping[str, Any]) -> None:
        INBOUND.labels(PLATFORM, "view").inc()
        meta = _our_metadata(body)
        if meta is None:
            await self._ignore(ack, body)
            return
        options = tuple(("", str(value)) for value in meta["values"])
        ask = Ask(options, most=int(meta["most"]), ordered=bool(meta["ordered"]))
        chosen = forms.ask_values(ask, body["view"]["state"]["values"])
        text = " ".join([meta["command"], *chosen])
        request = Request(
            PLATFORM, body["user"]["id"], _user_name(body), _meta_place(meta), text=text
        )
        first = body["view"]["blocks"][0]["block_id"] if body["view"].get("blocks") else ""
        await self._settle_view(ack, body, request, first, None)

    async def _on_confirm(self, ack: AsyncAck, body: Mapping[str, Any]) -> None:
        INBOUND.labels(PLATFORM, "view").inc()
        meta = _our_metadata(body)
        if meta is None:
            await self._ignore(ack, body)
            return
        request = Request(
            PLATFORM,
            body["user"]["id"],
            _user_name(body),
            _meta_place(meta),
            text=str((await self._named({"text": meta["command"]}, VIEW_BUDGET))["text"]),
        )
        request = replace(request, text=self._confirmed(request.text or ""))
        reply = await self.core.dispatcher.handle(request)
        await ack()
        await self._after_view(body, request, reply)

    def _confirmed(self, text: str) -> str:
        """The command as confirmed in the dialog.

        A command that takes its own `--confirm` switch (`/member forget`) asks for it
        because text has no dialog; the dialog's "Yes" is that confirmation.
        """
        spec = self._spec(text)
        if spec is None or "--confirm" not in spec.options or "--confirm" in text.split():
            return text
        return f"{text} --confirm"

    async def _settle_view(
        self,
        ack: AsyncAck,
        body: Mapping[str, Any],
        request: Request,
        block: str,
        spec: CommandSpec | None,
    ) -> None:
        """Run a modal's command before acknowledging, so a refusal shows in the modal."""
        reply = await self.core.dispatcher.handle(request)
        if not reply.ok and block:
            if spec is not None:
                block = forms.error_block(spec, reply.text)
            await ack(response_action="errors", errors={block: reply.text[:300]})
            return
        await ack()
        await self._after_view(body, request, reply)

    async def _after_view(self, body: Mapping[str, Any], request: Request, reply: Reply) -> None:
        user_id = body["user"]["id"]
        channel_id = request.place.channel_id
        try:
            if reply.ok and reply.visibility == "public" and channel_id:
                await self.poster.post(channel_id, reply)
            else:
                await self.poster.ephemeral(channel_id, user_id, reply)
        except Exception:
            log.exception("sending the reply to a modal failed")

    # -- App Home -------------------------------------------------------------

    async def _on_home_opened(self, body: Mapping[str, Any]) -> None:
        INBOUND.labels(PLATFORM, "event").inc()
        event = body["event"]
        if event.get("tab", "home") == "home":
            await self.publish_home(event["user"])

    async def publish_home(self, user_id: str) -> None:
        request = Request(PLATFORM, user_id, "", Place(PLATFORM, "", ""))
        reply = await self.core.dispatcher.view(request, dashboard)
        view = {"type": "home", "blocks": render_view_blocks(reply)}
        try:
            await self.client.views_publish(user_id=user_id, view=view)
        except SlackApiError as error:
            log.warning("views.publish for %s failed: %s", user_id, error_code(error))


_METADATA_KEYS = {"form": "path", "ask": "command", "confirm": "command", "prefilled": "form"}
_OUR_EVENTS = {"app_home_opened", "app_uninstalled", "tokens_revoked"}


def _our_metadata(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """A modal's private_metadata if we wrote it (JSON with our keys); else None."""
    view = body.get("view") or {}
    try:
        meta = json.loads(view.get("private_metadata") or "")
    except ValueError:
        return None
    key = _METADATA_KEYS.get(str(view.get("callback_id")), "")
    if not isinstance(meta, dict) or key not in meta:
        return None
    return meta


def _kind(body: Mapping[str, Any]) -> str:
    event = body.get("event") if isinstance(body.get("event"), dict) else None
    return str((event or {}).get("type") or body.get("type") or "unknown")


def _prefixed(prefix: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(prefix))


def _delivery_key(body: Mapping[str, Any], raw_body: str) -> str:
    """Slack's own identity of a request, the same in every re-delivery of it.

    A slash command, a click and a modal's submission carry a `trigger_id` minted
    for that one invocation (a submission corrected after an error gets a new one,
    while its view's id and hash stay); an event, its `event_id`. A submission
    without a trigger is known by its view's id and hash; anything else by its
    body, which a re-delivery repeats byte for byte.
    """
    kind = body.get("type") or "command"
    view = body.get("view") or {}
    if body.get("event_id"):
        return f"slack:event:{body['event_id']}"
    if body.get("trigger_id"):
        return f"slack:{kind}:{body['trigger_id']}"
    if kind == "view_submission" and view.get("id"):
        return f"slack:view:{view['id']}:{view.get('hash', '')}"
    return "slack:body:" + hashlib.sha256(raw_body.encode()).hexdigest()


@dataclass(frozen=True)
class Folded:
    """A delivery's claims, and why a repeat of it would be one (for `DUPLICATES`)."""

    claims: tuple[Claim, ...] = ()
    reason: str = "retry"

    async def first(self, sessions: async_sessionmaker[AsyncSession]) -> bool:
        """Claimed apart, before anything runs (`bot.inbound.first_delivery`)."""
        if not self.claims or await first_delivery(sessions, list(self.claims)):
            return True
        self.repeated()
        return False

    def repeated(self) -> None:
        DUPLICATES.labels(PLATFORM, self.reason).inc()


def _runs_at_once(body: Mapping[str, Any]) -> bool:
    """A payload of ours whose listener hands it to the dispatcher first (as `_ours` says):
    a slash command, or a `run:` button's click. Its claims go with the command."""
    if body.get("command"):
        return True
    if body.get("type") != "block_actions":
        return False
    action_id = str((body.get("actions") or [{}])[0].get("action_id", ""))
    return action_id.startswith("run:")


def _click_key(body: Mapping[str, Any]) -> str | None:
    """Who clicked which button where: equal for a double click, different otherwise."""
    if body.get("type") != "block_actions" or not body.get("actions"):
        return None
    action = body["actions"][0]
    container = body.get("container") or {}
    where = container.get("message_ts") or container.get("view_id") or ""
    return "|".join(
        [
            str(body.get("user", {}).get("id", "")),
            str(where),
            str(action.get("action_id", "")),
            str(action.get("value", "")),
        ]
    )


def _bare(text: str, spec: CommandSpec) -> bool:
    """Typed with nothing after the command's name: `/poll create`."""
    words = len(spec.path.split())
    return len(text.split()) <= words


def _confirm_text(spec: CommandSpec) -> str:
    return f"*{spec.summary}* This cannot be undone."


def _metadata(place: Place, **extra: Any) -> str:
    return json.dumps(
        {"channel": place.channel_id, "channel_name": place.channel_name, **extra},
        separators=(",", ":"),
    )


def _meta_place(meta: Mapping[str, Any]) -> Place:
    return slack_place(str(meta.get("channel", "")), str(meta.get("channel_name", "")))


def _place(body: Mapping[str, Any]) -> Place:
    channel = body.get("channel") or {}
    container = body.get("container") or {}
    channel_id = channel.get("id") or container.get("channel_id") or ""
    return slack_place(str(channel_id), str(channel.get("name", "")))


def slack_place(channel_id: str, channel_name: str) -> Place:
    """Slack names direct messages `directmessage` (ids starting D) and group DMs `mpdm-…`."""
    direct = (
        channel_id.startswith("D")
        or channel_name == "directmessage"
        or channel_name.startswith("mpdm-")
    )
    return Place(PLATFORM, channel_id, channel_name, is_direct=direct)


def _user_name(body: Mapping[str, Any]) -> str:
    user = body.get("user") or {}
    return str(user.get("username") or user.get("name") or "")


def _private(reply: Reply) -> Reply:
    """A button's answer is for the one who clicked; the channel sees the live post."""
    return replace(reply, visibility=Visibility.EPHEMERAL)
