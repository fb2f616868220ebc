"""Real Slack payload shapes: escaped command text, and payloads that are not ours.

Shapes follow Slack's documentation: "Formatting text for app surfaces"
(api.slack.com/reference/surfaces/formatting: `<https://…|label>`, `<mailto:…>`,
`<!date^…|fallback>`, `<!here>`, `<!subteam^…|@team>`, `<@U…|name>`), the Events
API `event_callback` envelope with `app_mention`, `app_uninstalled` and
`tokens_revoked` events (api.slack.com/events), and the `block_actions` payload of
a `static_select` and a `view_submission` (api.slack.com/reference/interaction-payloads).

Before: links reached the core wrapped (`--link <https://…>` was refused, posts
showed `&lt;https://…&gt;`); a view_submission with foreign metadata answered 500,
a static_select with our action prefix ran an empty command, and those events 404.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from adapters.slack.escapes import from_slack
from bot.notifier import queue_posts
from bot.reply import Reply
from chapterhouse.testing.slack import TEAM
from storage.models import Delivery, DeliveryStatus
from tests.adapters.slack.harness import SlackHarness

ALICE = "U0ALICE"


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        ("see <https://example.org/agenda>", "see https://example.org/agenda"),
        ("<https://example.com|Example>", "https://example.com"),
        ("<http://example.org|example.org>", "example.org"),
        ("<mailto:bob@example.com|bob@example.com>", "bob@example.com"),
        (
            "<!date^1392734382^{date_num} {time_secs}|February 18th, 2014 at 6:39 AM PST>",
            "February 18th, 2014 at 6:39 AM PST",
        ),
        ("<!here> and <!channel>", "@here and @channel"),
        ("<!subteam^SAZ94GDB8|@team>", "@team"),
        ("<@U024BE7LH|bob> in <#C024BE7LR|general>", "<@U024BE7LH|bob> in <#C024BE7LR|general>"),
        ("fish &amp; chips &lt;3 &amp;lt;", "fish & chips <3 &lt;"),
    ],
)
def test_slack_escapes_unwrap_to_what_was_typed(sent: str, typed: str) -> None:
    assert from_slack(sent) == typed


async def test_a_link_in_a_poll_question_stays_a_link(slack: SlackHarness) -> None:
    reply = await slack.command(
        ALICE, '/poll create "Read <https://example.org/agenda> first?" "Yes" "No"'
    )
    shown = json.dumps(reply.params)
    assert "https://example.org/agenda" in shown
    assert "&lt;https" not in shown and "<https" not in shown


def _event(event: dict[str, Any]) -> str:
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM["id"],
            "api_app_id": "A0CHAPTERHOUSE",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{time.time_ns()}",
            "event_time": int(time.time()),
        }
    )


def _interaction(payload: dict[str, Any]) -> str:
    base = {
        "team": {"id": TEAM["id"], "domain": TEAM["domain"]},
        "user": {"id": ALICE, "username": "alice", "name": "alice", "team_id": TEAM["id"]},
        "api_app_id": "A0CHAPTERHOUSE",
        "token": "legacy-verification-token",
        "trigger_id": "12345.98765.abcd2358fdea",
    }
    return urlencode({"payload": json.dumps({**base, **payload})})


async def test_payloads_that_are_not_ours_are_acknowledged_and_ignored(
    slack: SlackHarness,
) -> None:
    before = await slack.bot.snapshot()
    mention = {
        "type": "app_mention",
        "user": ALICE,
        "text": "<@U0BOT> hello",
        "ts": "1515449522.000016",
        "channel": "C0GENERAL",
        "event_ts": "1515449522000016",
    }
    for metadata in ("not json", json.dumps({"someone": "else"})):
        submission = _interaction(
            {
                "type": "view_submission",
                "view": {
                    "id": "VNHU13V36",
                    "type": "modal",
                    "callback_id": "form",
                    "private_metadata": metadata,
                    "state": {"values": {}},
                    "blocks": [],
                },
            }
        )
        assert (await slack.post(submission)).status == 200
    select = _interaction(
        {
            "type": "block_actions",
            "container": {"type": "message", "message_ts": "1548426417.840180"},
            "channel": {"id": "C0GENERAL", "name": "general"},
            "response_url": slack.fake.response_url("select"),
            "actions": [
                {
                    "type": "static_select",
                    "action_id": "run:/poll vote 1",
                    "block_id": "b1",
                    "selected_option": {
                        "text": {"type": "plain_text", "text": "Yes"},
                        "value": "1",
                    },
                    "action_ts": "1548426417.840180",
                }
            ],
        }
    )
    assert (await slack.post(select)).status == 200
    other_button = _interaction(
        {
            "type": "block_actions",
            "channel": {"id": "C0GENERAL", "name": "general"},
            "actions": [{"type": "button", "action_id": "someone_elses", "value": "x"}],
        }
    )
    assert (await slack.post(other_button)).status == 200
    posted = await slack.post(_event(mention), content_type="application/json")
    assert posted.status == 200
    assert await slack.bot.snapshot() == before
    assert "select" not in slack.fake.responses


@pytest.mark.parametrize("kind", ["app_uninstalled", "tokens_revoked"])
async def test_uninstall_or_revoked_tokens_stop_posting_and_say_why(
    slack: SlackHarness, kind: str
) -> None:
    event: dict[str, Any] = {"type": kind, "event_ts": f"{time.time():.6f}"}
    if kind == "tokens_revoked":
        event["tokens"] = {"oauth": [ALICE], "bot": ["U0BOT"]}
    posted = await slack.post(_event(event), content_type="application/json")
    assert posted.status == 200
    bot = slack.bot
    async with bot.uow() as uow:
        await queue_posts(uow, Reply.public("Summit on Friday"), "test:revoked", [("slack", "C1")])
        await uow.commit()
    calls = len(slack.fake.of("chat.postMessage"))
    await bot.app.notifier.flush()
    assert len(slack.fake.of("chat.postMessage")) == calls
    async with bot.app.sessions() as session:
        row = (
            await session.scalars(select(Delivery).where(Delivery.key.like("test:revoked%")))
        ).one()
    assert row.status is DeliveryStatus.FAILED
    word = "uninstalled" if kind == "app_uninstalled" else "revoked"
    assert word in (row.error or "")
