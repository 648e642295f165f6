"""The mode and quality messages' shapes (rvr/signalling.py): the older audio_only form still
works; anything else is refused."""

from __future__ import annotations

import json

import pytest

from rvr.signalling import SignalRefused, signal_parse


def _parse(side: str = "victim", **message: object) -> dict[str, object]:
    return signal_parse(json.dumps(message), side=side)


def test_a_mode_names_the_mode_its_reason_and_what_was_measured():
    assert _parse(type="mode", mode="chat", reason="failed", kbps=1.26) == {
        "type": "mode", "mode": "chat", "audio_only": True, "reason": "failed", "kbps": 1.3}


def test_the_older_audio_only_form_is_a_chosen_switch():
    assert _parse(type="mode", audio_only=True) == {
        "type": "mode", "mode": "audio", "audio_only": True, "reason": "chosen", "kbps": None}
    assert _parse(type="mode", audio_only=False)["mode"] == "video"


@pytest.mark.parametrize("message", [
    {"type": "mode", "mode": "hologram"},
    {"type": "mode", "mode": "audio", "reason": "bored"},
    {"type": "mode", "mode": "audio", "kbps": -1},
    {"type": "mode", "mode": "audio", "kbps": "fast"},
    {"type": "mode", "mode": "audio", "kbps": True},
    {"type": "mode", "mode": "audio", "audio_only": True},
    {"type": "quality", "level": "superb"},
    {"type": "quality", "level": "weak", "camera": "off"},
    {"type": "quality", "level": "weak", "kbps": 1e9},
    {"type": "quality", "level": "weak", "extra": 1},
])
def test_malformed_mode_and_quality_messages_are_refused(message):
    with pytest.raises(SignalRefused):
        signal_parse(json.dumps(message), side="victim")


def test_either_side_reports_what_it_receives():
    for side in ("victim", "officer"):
        assert _parse(side, type="quality", level="weak", kbps=40, camera=False) == {
            "type": "quality", "level": "weak", "kbps": 40.0, "camera": False}
    assert _parse(type="quality", level="good")["camera"] is True
