"""A photo from the victim's phone, in real browsers: she picks it and sends it from the call;
the officer sees it (re-encoded, the right way up) with its SHA-256, which is in the incident
log; a file that is no photo is refused with a calm line and the call goes on."""

from __future__ import annotations

import hashlib

import pytest
from playwright.sync_api import expect

from contact_hub.incidents.models import LogEntry
from rvr.models import VictimUpload
from tests.pages.rvr_calls import FRAME_DECODED
from tests.rvr.share_files import HTML, PHOTO_SIZE, phone_photo

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]
PHOTO_SHOWN = """() => new Promise((resolve, reject) => {
  const img = document.querySelector("#victim-shared img");
  setTimeout(() => reject(new Error("the photo did not load")), 10000);
  const done = () => img.naturalWidth ? resolve([img.naturalWidth, img.naturalHeight]) : null;
  if (img.complete) done(); else img.addEventListener("load", done);
})"""


def test_a_photo_she_sends_is_seen_by_the_officer_with_its_hash_in_the_log(rvr_call):
    victim, officer = rvr_call.victim, rvr_call.officer
    photo = phone_photo()
    digest = hashlib.sha256(photo).hexdigest()
    call = victim.locator("section[data-screen=call]")

    call.locator("input[type=file]").set_input_files(
        {"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": photo})
    call.get_by_role("button", name="Send photo or file").click()

    expect(call.get_by_text("Sent to the officer.")).to_be_visible()
    shared = officer.locator("#victim-shared")
    expect(shared).to_contain_text(digest)
    assert officer.evaluate(PHOTO_SHOWN) == list(PHOTO_SIZE[::-1])  # turned upright
    entry = LogEntry.objects.get(incident=rvr_call.session.incident,
                                 kind="evidence.victim_upload")
    assert entry.data["sha256"] == digest
    assert bytes(VictimUpload.objects.get().original) == photo


def test_a_page_dressed_as_a_photo_is_refused_calmly_and_the_call_goes_on(rvr_call):
    victim = rvr_call.victim
    call = victim.locator("section[data-screen=call]")

    call.locator("input[type=file]").set_input_files(
        {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": HTML})
    call.get_by_role("button", name="Send photo or file").click()

    expect(call.get_by_text("That file can't be sent.", exact=False)).to_be_visible()
    assert victim.evaluate(FRAME_DECODED, "[data-remote]") > 0
    assert not VictimUpload.objects.exists()
