"""Slack end to end: signed requests into the real Bolt app, replies read off a fake Slack."""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from adapters.slack.app import SlackAdapter
from chapterhouse.bootstrap import bootstrap
from storage.models import Ballot, ChannelBinding, Delivery, Identity, Poll
from tests.adapters.slack.harness import SlackHarness, button

ALICE = "U0ALICE"  # HQ by configuration
BEA = "U0BEA"
CARL = "U0CARL"
BOSTON = "C0BOSTON"
LONDON = "C0LONDON"


async def bind(slack: SlackHarness, chapter: str, channel: str) -> None:
    reply = await slack.command(ALICE, f"/chapter bind {chapter}", channel=channel)
    assert "now receives" in reply.params["text"], reply.params


async def society_poll(slack: SlackHarness, *flags: str) -> tuple[int, str]:
    """A society poll posted to Boston's Slack channel; (poll id, message ts)."""
    await bind(slack, "Boston", BOSTON)
    before = len(slack.fake.of("chat.postMessage"))
    text = '/poll create "Where next?" "Lisbon" "Denver" "Osaka" --audience society ' + " ".join(
        flags
    )
    reply = await slack.command(ALICE, text.strip())
    assert reply.params["response_type"] in ("ephemeral", "in_channel")
    posted = await slack.posted_to(BOSTON)
    assert len(slack.fake.of("chat.postMessage")) > before
    async with slack.bot.uow() as uow:
        poll_id = max(await uow.session.scalars(select(Poll.id)))
    return poll_id, posted.params["ts"] if "ts" in posted.params else await _ts_of(slack, poll_id)


async def _ts_of(slack: SlackHarness, poll_id: int) -> str:
    async with slack.bot.uow() as uow:
        ts = await uow.session.scalar(
            select(Delivery.message_id).where(
                Delivery.subject == f"poll:{poll_id}", Delivery.platform == "slack"
            )
        )
    assert ts
    return str(ts)


async def ballots(slack: SlackHarness, poll_id: int) -> list[list[int]]:
    async with slack.bot.uow() as uow:
        rows = await uow.session.scalars(select(Ballot.choices).where(Ballot.poll_id == poll_id))
        return sorted(list(r) for r in rows)


# -- every command group --------------------------------------------------------


async def test_member_commands_register_and_answer_ephemerally(slack: SlackHarness) -> None:
    joined = await slack.command(BEA, "/member join Boston", user_name="bea")
    assert joined.params["response_type"] == "ephemeral"
    assert "Boston" in joined.params["text"]
    profile = await slack.command(BEA, "/member profile")
    assert "Boston" in json.dumps(profile.params)
    link = await slack.command(BEA, "/member link")
    assert "code" in link.params["text"].lower()


async def test_chapter_commands_bind_the_slack_channel(slack: SlackHarness) -> None:
    listed = await slack.command(BEA, "/chapter list")
    assert "Boston" in json.dumps(listed.params)
    await bind(slack, "Boston", BOSTON)
    async with slack.bot.uow() as uow:
        bound = await uow.session.scalar(
            select(ChannelBinding).where(ChannelBinding.platform == "slack")
        )
    assert bound is not None and bound.channel_id == BOSTON
    info = await slack.command(BEA, "/chapter info Boston")
    assert f"<#{BOSTON}" in json.dumps(info.params) or "boston" in json.dumps(info.params)


async def test_refusal_names_the_role_in_one_ephemeral_line(slack: SlackHarness) -> None:
    reply = await slack.command(BEA, "/chapter create Paris --region Europe --tz Europe/Paris")
    assert reply.params["response_type"] == "ephemeral"
    assert reply.params["text"].startswith("Only HQ may")
    assert "\n" not in reply.params["text"]


async def test_role_and_audit_with_a_slack_mention(slack: SlackHarness) -> None:
    await slack.command(BEA, "/member profile", user_name="bea")
    granted = await slack.command(ALICE, "/role grant <@U0BEA|bea> moderator")
    assert "<@U0BEA>" in granted.params["text"]
    audit = await slack.command(ALICE, "/audit 5")
    assert "role grant" in json.dumps(audit.params)
    # The member the entry names is a Slack mention, as in the command's own answer.
    assert "/role grant <@U0BEA> moderator" in audit.params["text"], audit.params["text"]


async def test_escaped_text_reaches_the_parser_unescaped(slack: SlackHarness) -> None:
    await bind(slack, "Boston", BOSTON)
    reply = await slack.command(
        ALICE, '/poll create "R&amp;D &lt;budget&gt;?" "Yes" "No" --audience here', channel=BOSTON
    )
    assert reply.params["text"]
    async with slack.bot.uow() as uow:
        question = await uow.session.scalar(select(Poll.question).order_by(Poll.id.desc()))
    assert question == "R&D <budget>?"
    posted = await slack.posted_to(BOSTON)
    assert "R&amp;D &lt;budget&gt;?" in posted.params["text"]  # escaped again for mrkdwn
    assert "R&D <budget>?" in posted.block_text()  # the header is plain text


# -- the wire: signatures, retries ---------------------------------------------


async def test_bad_signature_and_stale_timestamp_are_refused_and_write_nothing(
    slack: SlackHarness,
) -> None:
    before = await slack.bot.snapshot()
    body, token = slack.command_body(BEA, "/member join Boston")
    forged = await slack.post(body, secret="not-the-signing-secret-at-all-000")
    stale = await slack.post(body, timestamp=int(time.time()) - 6 * 60)
    assert (forged.status, stale.status) == (401, 401)
    assert token not in slack.fake.responses
    assert await slack.bot.snapshot() == before


async def test_a_retried_delivery_is_counted_once(slack: SlackHarness) -> None:
    await bind(slack, "Boston", BOSTON)
    body, token = slack.command_body(
        ALICE, '/poll create "Tea?" "Yes" "No" --audience here', channel=BOSTON
    )
    first = await slack.post(body)
    retry = await slack.post(
        body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert (first.status, retry.status) == (200, 200)
    await slack.fake.response(token)
    await slack.adapter.core.notifier.live.drain()
    assert len(slack.fake.responses[token]) == 1
    assert await slack.bot.count(Poll) == 2  # the demo's poll and this one


# -- buttons, live posts, modals -----------------------------------------------


async def test_button_vote_is_stored_and_the_post_updated(slack: SlackHarness) -> None:
    poll_id, ts = await society_poll(slack)
    posted = await slack.posted_to(BOSTON)
    reply = await slack.click(BEA, button(posted, "2."), channel=BOSTON, message_ts=ts)
    assert reply.params["response_type"] == "ephemeral"
    assert "Denver" in reply.params["text"]
    assert await ballots(slack, poll_id) == [[2]]
    update = await slack.fake.call("chat.update")
    assert update.params["channel"] == BOSTON and update.params["ts"] == ts
    assert "1 vote" in update.block_text() or "1 of" in update.block_text()


async def test_society_poll_voted_from_two_channels_counts_once(slack: SlackHarness) -> None:
    await bind(slack, "London", LONDON)
    poll_id, ts = await society_poll(slack)
    in_boston = await slack.posted_to(BOSTON)
    in_london = await slack.posted_to(LONDON)
    await slack.click(BEA, button(in_boston, "1."), channel=BOSTON, message_ts=ts)
    london_ts = in_london.params.get("ts") or await _london_ts(slack, poll_id)
    await slack.click(BEA, button(in_london, "3."), channel=LONDON, message_ts=london_ts)
    await slack.click(CARL, button(in_london, "3."), channel=LONDON, message_ts=london_ts)
    assert await ballots(slack, poll_id) == [[3], [3]]  # Bea's second vote replaced her first


async def _london_ts(slack: SlackHarness, poll_id: int) -> str:
    async with slack.bot.uow() as uow:
        ts = await uow.session.scalar(
            select(Delivery.message_id).where(
                Delivery.subject == f"poll:{poll_id}", Delivery.channel_id == LONDON
            )
        )
    return str(ts)


async def test_a_double_clicked_toggle_toggles_once(slack: SlackHarness) -> None:
    poll_id, ts = await society_poll(slack, "--multi 2")
    posted = await slack.posted_to(BOSTON)
    toggle = button(posted, "1.")
    assert toggle["value"].endswith("--toggle")
    first, token = slack.click_body(BEA, toggle, channel=BOSTON, message_ts=ts)
    second, _ = slack.click_body(BEA, toggle, channel=BOSTON, message_ts=ts)
    assert (await slack.post(first)).status == 200
    assert (await slack.post(second)).status == 200
    await slack.fake.response(token)
    assert await ballots(slack, poll_id) == [[1]]


async def test_modal_submission_creates_a_poll(slack: SlackHarness) -> None:
    await bind(slack, "Boston", BOSTON)
    opened = await slack.command_opening(ALICE, "/poll create", channel=BOSTON)
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "form"
    ids = {b.get("block_id") for b in view["blocks"]}
    assert {"question", "options", "audience"} <= ids
    values = {
        "question": {"value": {"type": "plain_text_input", "value": "Best month?"}},
        "options": {"value": {"type": "plain_text_input", "value": "May\n\nJune\nJuly"}},
        "audience": {"value": {"type": "plain_text_input", "value": "here"}},
    }
    posted = await slack.submit(ALICE, view, values)
    assert posted.status == 200 and "errors" not in posted.text, posted.text
    async with slack.bot.uow() as uow:
        poll = await uow.session.scalar(select(Poll).where(Poll.question == "Best month?"))
    assert poll is not None and poll.options == ["May", "June", "July"]
    card = await slack.posted_to(BOSTON)
    assert "Best month?" in card.block_text()


async def test_a_refused_modal_shows_the_error_on_its_field(slack: SlackHarness) -> None:
    opened = await slack.command_opening(ALICE, "/poll create", channel=BOSTON)
    view = (
        json.loads(opened.params["view"])
        if isinstance(opened.params["view"], str)
        else opened.params["view"]
    )
    values = {
        "question": {"value": {"type": "plain_text_input", "value": "Lonely?"}},
        "options": {"value": {"type": "plain_text_input", "value": "Only one"}},
    }
    before = await slack.bot.count(Poll)
    posted = await slack.submit(ALICE, view, values)
    answer = json.loads(posted.text)
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["options"]
    assert await slack.bot.count(Poll) == before


async def test_ranked_poll_votes_through_a_modal_of_ordered_selects(slack: SlackHarness) -> None:
    poll_id, ts = await society_poll(slack, "--ranked")
    posted = await slack.posted_to(BOSTON)
    rank = button(posted, "Rank")
    body, _ = slack.click_body(BEA, rank, channel=BOSTON, message_ts=ts)
    assert (await slack.post(body)).status == 200
    opened = await slack.fake.call("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    selects = [b for b in view["blocks"] if b.get("type") == "input"]
    assert len(selects) == 3
    values = {
        selects[0]["block_id"]: {
            "value": {"type": "static_select", "selected_option": {"value": "3"}}
        },
        selects[1]["block_id"]: {
            "value": {"type": "static_select", "selected_option": {"value": "1"}}
        },
        selects[2]["block_id"]: {"value": {"type": "static_select", "selected_option": None}},
    }
    assert (await slack.submit(BEA, view, values)).status == 200
    assert await ballots(slack, poll_id) == [[3, 1]]
    whisper = await slack.fake.call("chat.postEphemeral")
    assert whisper.params["user"] == BEA and whisper.params["channel"] == BOSTON


async def test_destructive_command_asks_for_confirmation_first(slack: SlackHarness) -> None:
    poll_id, _ = await society_poll(slack)
    opened = await slack.command_opening(ALICE, f"/poll close {poll_id}", channel=BOSTON)
    view = (
        json.loads(opened.params["view"])
        if isinstance(opened.params["view"], str)
        else opened.params["view"]
    )
    assert view["callback_id"] == "confirm"
    async with slack.bot.uow() as uow:
        assert (await uow.session.get(Poll, poll_id)).closed_at is None  # type: ignore[union-attr]
    assert (await slack.submit(ALICE, view, {})).status == 200
    async with slack.bot.uow() as uow:
        assert (await uow.session.get(Poll, poll_id)).closed_at is not None  # type: ignore[union-attr]


async def test_export_is_uploaded_privately(slack: SlackHarness) -> None:
    poll_id, ts = await society_poll(slack)
    await slack.click(
        BEA, button(await slack.posted_to(BOSTON), "1."), channel=BOSTON, message_ts=ts
    )
    reply = await slack.command(ALICE, f"/poll export {poll_id}", channel=BOSTON)
    assert reply.params["response_type"] == "ephemeral"
    complete = await slack.fake.call("files.completeUploadExternal")
    assert complete.params["channel_id"] == f"D{ALICE}"  # not the channel: a private reply
    await slack.fake.wait(lambda: bool(slack.fake.uploads))
    assert b"Lisbon" in next(iter(slack.fake.uploads.values()))


# -- Home, outgoing posts, health ------------------------------------------------


async def test_app_home_shows_the_members_dashboard(slack: SlackHarness) -> None:
    await slack.command(BEA, "/member join Boston")
    await society_poll(slack)
    assert (await slack.home_opened(BEA)).status == 200
    published = await slack.fake.call("views.publish")
    assert published.params["user_id"] == BEA
    view = published.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    text = json.dumps(view)
    assert view["type"] == "home"
    assert "Boston" in text and "Where next?" in text and "not voted yet" in text


async def test_a_rate_limited_post_is_retried_after_retry_after(slack: SlackHarness) -> None:
    slack.fake.rate_limit("chat.postMessage", retry_after=1)
    poll_id, _ = await society_poll(slack)
    attempts = [c for c in slack.fake.of("chat.postMessage") if c.params.get("channel") == BOSTON]
    assert len(attempts) == 2  # refused once, then sent
    async with slack.bot.uow() as uow:
        status = await uow.session.scalar(
            select(Delivery.status).where(
                Delivery.subject == f"poll:{poll_id}", Delivery.channel_id == BOSTON
            )
        )
    assert status == "sent"


async def test_a_missing_channel_is_recorded_as_a_permanent_failure(slack: SlackHarness) -> None:
    await bind(slack, "Boston", BOSTON)
    slack.fake.fail("chat.postMessage", "channel_not_found")
    await slack.command(ALICE, '/poll create "Tea?" "Yes" "No" --audience chapter:Boston')
    async with slack.bot.uow() as uow:
        row = (
            await uow.session.execute(
                select(Delivery.status, Delivery.error).where(Delivery.channel_id == BOSTON)
            )
        ).one()
    assert row == ("failed", "slack: channel_not_found")


async def test_health_and_metrics(slack: SlackHarness) -> None:
    status, body = await slack.get("/healthz")
    assert status == 200 and json.loads(body)["database"] == "ok"
    await slack.command(BEA, "/chapter list")
    status, metrics = await slack.get("/metrics")
    assert status == 200
    assert (
        'chapterhouse_commands_total{command="chapter list",outcome="ok",platform="slack"}'
        in metrics
    )


async def test_form_fields_arrive_as_slack_documents_them(slack: SlackHarness) -> None:
    """The response_url receives JSON; views.open receives the trigger_id it was given."""
    body, _ = slack.command_body(ALICE, "/poll create", channel=BOSTON)
    trigger = parse_qs(body)["trigger_id"][0]
    await slack.post(body)
    opened = await slack.fake.call("views.open")
    assert opened.params["trigger_id"] == trigger


async def test_help_lists_every_group_and_explains_one(slack: SlackHarness) -> None:
    listing = await slack.command(BEA, "/help")
    text = json.dumps(listing.params)
    for group in slack.bot.app.registry.group_names():
        assert f"/{group}" in text
    one = await slack.command(BEA, "/help poll vote")
    assert "/poll vote ID" in json.dumps(one.params)
    unknown = await slack.command(BEA, "/poll frobnicate")
    assert unknown.params["response_type"] == "ephemeral"
    assert "no subcommand 'frobnicate'" in unknown.params["text"]


async def test_debug_logging_shows_no_token_and_no_anonymous_choice(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """LOG_LEVEL=DEBUG must not undo anonymity: no line ties the voter to the vote."""
    for name in ("", "slack_bolt", "slack_sdk", "sqlalchemy.engine", "aiosqlite"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    await bootstrap(slack.bot.app.settings, engine=slack.bot.app.engine, migrate=False)
    SlackAdapter(slack.bot.app, token="xoxb-second", signing_secret="x" * 32)
    caplog.set_level(logging.DEBUG, logger="chapterhouse")
    poll_id, ts = await society_poll(slack, "--anonymous")
    caplog.clear()
    vote = button(await slack.posted_to(BOSTON), "3.")
    await slack.click(BEA, vote, channel=BOSTON, message_ts=ts)
    assert await ballots(slack, poll_id) == [[3]]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "xoxb-test-token" not in logged and "xoxb-second" not in logged
    assert BEA not in logged and "u0bea" not in logged


async def test_workgroup_proposed_through_its_form_and_backed_with_a_command(
    slack: SlackHarness,
) -> None:
    opened = await slack.command_opening(BEA, "/workgroup propose")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    values = {
        "name": {"value": {"type": "plain_text_input", "value": "Open Data"}},
        "purpose": {"value": {"type": "plain_text_input", "value": "Publish our surveys"}},
        "not_": {"value": {"type": "plain_text_input", "value": "Running the surveys"}},
    }
    assert (await slack.submit(BEA, view, values)).status == 200

    def answered() -> bool:
        posts = slack.fake.of("chat.postEphemeral") + slack.fake.of("chat.postMessage")
        return any("Open Data" in json.dumps(c.params) for c in posts)

    await slack.fake.wait(answered)  # the modal's answer, in the channel it was typed in
    backed = await slack.command(CARL, "/workgroup back open data")
    assert "2 of" in backed.params["text"], backed.params
    info = await slack.command(CARL, "/workgroup info Open Data")
    assert "Running the surveys" in json.dumps(info.params)


async def test_chapters_check_in_a_position_and_its_adoption_is_announced(
    slack: SlackHarness,
) -> None:
    await bind(slack, "Boston", BOSTON)
    first = await slack.command(
        ALICE,
        "/position checkin 1 --chapter Boston agree --for 12 --against 3"
        ' --summary "Yes, with care"',
    )
    assert "Boston" in first.params["text"], first.params
    shown = await slack.command(BEA, "/position show 1")
    assert "Yes, with care" in json.dumps(shown.params)
    before = len(slack.fake.of("chat.postMessage"))
    await slack.command(ALICE, '/position checkin 1 --chapter "San Francisco" agree')
    await slack.fake.wait(lambda: len(slack.fake.of("chat.postMessage")) > before)
    announced = [
        c for c in slack.fake.of("chat.postMessage")[before:] if c.params["channel"] == BOSTON
    ]
    assert len(announced) == 1 and "adopted" in json.dumps(announced[0].params).lower()


async def test_the_dialog_is_the_confirmation_for_forgetting(slack: SlackHarness) -> None:
    await slack.command(CARL, "/member join Boston")
    opened = await slack.command_opening(CARL, "/member forget")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "confirm"
    assert await slack.bot.count(Identity, Identity.external_id == CARL) == 1
    assert (await slack.submit(CARL, view, {})).status == 200
    assert await slack.bot.count(Identity, Identity.external_id == CARL) == 0


async def test_a_multi_choice_vote_in_one_go_through_a_pick_modal(slack: SlackHarness) -> None:
    poll_id, ts = await society_poll(slack, "--multi 2")
    posted = await slack.posted_to(BOSTON)
    body, _ = slack.click_body(BEA, button(posted, "Choose up to 2"), channel=BOSTON, message_ts=ts)
    assert (await slack.post(body)).status == 200
    opened = await slack.fake.call("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    [pick] = [b for b in view["blocks"] if b.get("type") == "input"]
    assert pick["element"]["type"] == "multi_static_select"
    assert pick["element"]["max_selected_items"] == 2
    chosen = [{"value": "3"}, {"value": "1"}]
    values = {
        pick["block_id"]: {
            pick["element"]["action_id"]: {
                "type": "multi_static_select",
                "selected_options": chosen,
            }
        }
    }
    assert (await slack.submit(BEA, view, values)).status == 200
    assert await ballots(slack, poll_id) == [[1, 3]]
