"""Console forms: /member edit typed bare asks for each field at the real prompt,
each starting from what the profile says now."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from adapters.console.repl import run_repl
from tests.support import TestBot


async def test_member_edit_asks_for_its_fields(
    demo: TestBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    # Printed lines straight to the captured stdout, not through the prompt's output.
    monkeypatch.setattr("adapters.console.repl.patch_stdout", contextlib.nullcontext)
    await demo.ok("/member edit --company Fjord --city Bergen", as_="zoe")
    # Each prompt holds the field's current value; Esc then Enter keeps what it shows,
    # Ctrl-U empties it. title, city, skills, interests, bio, timezone, company, name,
    # visible; then quit.
    keep = "\x1b\r"
    answers = [
        "Harbour pilot",
        "",
        "navigation, Knots",
        "",
        "",
        "europe/oslo",
        "\x15",
        "",
        "\x15society",
    ]
    with create_pipe_input() as typed:
        typed.send_text("/member edit\n" + "".join(a + keep for a in answers) + "/quit\n")
        with create_app_session(input=typed, output=DummyOutput()):
            await run_repl(demo.app, "zoe", None)
    out = capsys.readouterr().out
    assert "Harbour pilot" in out and "Europe/Oslo" in out and "the whole society" in out
    profile = await demo.ok("/member data", as_="zoe")
    assert "Bergen" in profile and "Fjord" not in profile  # kept, and emptied
    found = await demo.ok("/member find --skill knot", as_="frank")
    assert "@zoe" in found


async def test_an_empty_required_field_cancels(
    demo: TestBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    # Printed lines straight to the captured stdout, not through the prompt's output.
    monkeypatch.setattr("adapters.console.repl.patch_stdout", contextlib.nullcontext)
    before = await demo.snapshot()
    with create_pipe_input() as typed:
        typed.send_text("/workgroup propose\n\n/quit\n")  # no name: cancelled
        with create_app_session(input=typed, output=DummyOutput()):
            await run_repl(demo.app, "grace", None)
    assert "Cancelled: a required field was left empty." in capsys.readouterr().out
    after = await demo.snapshot()
    assert after["workgroups"] == before["workgroups"]
