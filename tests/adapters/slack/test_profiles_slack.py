"""Profiles on Slack: the /member edit modal, the directory, and a targeted call's buttons."""

from __future__ import annotations

import json

from sqlalchemy import update

from storage.models import Workgroup, WorkgroupStatus
from tests.adapters.slack.harness import SlackHarness, button

ALICE = "U0ALICE"  # HQ by configuration
BEA = "U0BEA"
CARL = "U0CARL"


async def test_member_edit_through_its_modal_then_found(slack: SlackHarness) -> None:
    await slack.command(BEA, '/member edit --city Porto --interests "open data"')
    opened = await slack.command_opening(BEA, "/member edit")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert {"title", "skills", "interests", "timezone", "visible"} <= set(inputs)
    # The form opens with what the profile says now.
    assert inputs["city"]["initial_value"] == "Porto"
    assert inputs["interests"]["initial_value"] == "open data"
    assert inputs["visible"]["initial_value"] == "chapter"
    assert "initial_value" not in inputs["title"]
    values = {
        name: {"value": {"type": "plain_text_input", "value": element.get("initial_value", "")}}
        for name, element in inputs.items()
    }
    values["title"]["value"]["value"] = "Statistician"
    values["skills"]["value"]["value"] = "R, Survey design"
    values["timezone"]["value"]["value"] = "europe/lisbon"
    assert (await slack.submit(BEA, view, values)).status == 200

    def answered() -> bool:
        posts = slack.fake.of("chat.postEphemeral") + slack.fake.of("chat.postMessage")
        return any("Your profile is updated" in json.dumps(c.params) for c in posts)

    await slack.fake.wait(answered)
    await slack.command(ALICE, "/member edit --skills R")  # alice is HQ: sees every profile
    found = await slack.command(ALICE, '/member find --skill "survey designs"')
    assert BEA in json.dumps(found.params), found.params
    profile = await slack.command(ALICE, f"/member profile <@{BEA}>")
    shown = json.dumps(profile.params)
    assert "Statistician" in shown and "Europe/Lisbon" in shown
    assert "Porto" in shown and "open data" in shown  # kept from before the form


async def test_a_bad_time_zone_is_refused_in_one_line(slack: SlackHarness) -> None:
    reply = await slack.command(BEA, "/member edit --timezone Mars/Olympus")
    assert reply.params["text"].startswith("Unknown time zone 'Mars/Olympus'"), reply.params


async def test_a_targeted_call_is_answered_with_its_button(slack: SlackHarness) -> None:
    await slack.command(BEA, '/workgroup propose "Open Data" --purpose "Publish our surveys"')
    async with slack.bot.uow() as uow:
        await uow.session.execute(update(Workgroup).values(status=WorkgroupStatus.ACTIVE))
        await uow.commit()
    await slack.command(CARL, '/member edit --skills "sql, python"')
    before = len(slack.fake.of("chat.postMessage"))
    line = await slack.command(BEA, '/workgroup recruit "Open Data" "A SQL person" --skills sql')
    assert "1 matching member asked directly" in line.params["text"], line.params

    def asked() -> bool:
        return any(
            "I'm in" in json.dumps(c.params) for c in slack.fake.of("chat.postMessage")[before:]
        )

    await slack.fake.wait(asked)
    dm = next(
        c for c in slack.fake.of("chat.postMessage")[before:] if "I'm in" in json.dumps(c.params)
    )
    assert dm.params["channel"] == f"D{CARL}"  # the direct conversation Slack opened
    answer = await slack.click(
        CARL, button(dm, "I'm in"), channel=f"D{CARL}", message_ts="1700000000.000100"
    )
    assert "Welcome to Open Data" in json.dumps(answer.params), answer.params
    answers = await slack.command(BEA, '/workgroup answers "Open Data"')
    assert CARL in json.dumps(answers.params)
