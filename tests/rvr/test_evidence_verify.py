"""What a call kept as evidence, checked against the incident log: a location, a photo or a
still changed in its table (its own hash column with it) is named, as is one deleted or one
with no log entry."""

from __future__ import annotations

import hashlib
import io
import json
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from contact_hub.incidents.models import LogEntry
from rvr.calls import evidence_still_record
from rvr.evidence_verify import evidence_verify
from rvr.location import position_parse, victim_location_record
from rvr.models import EvidenceStill, VictimLocation, VictimUpload
from rvr.uploads import victim_upload_record
from tests.rvr.share_files import PDF, phone_photo
from tests.tampering import tamper

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), "red").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def kept(her_call, officer):
    fix = {"latitude": 51.2745, "longitude": 0.5227, "accuracy": 18.5,
           "timestamp": time.time() * 1000}
    location = victim_location_record(session_id=her_call.pk,
                                      position=position_parse(json.dumps(fix).encode()))
    photo = victim_upload_record(session_id=her_call.pk, content=phone_photo())
    pdf = victim_upload_record(session_id=her_call.pk, content=PDF)
    still = evidence_still_record(session=her_call, officer=officer, image=_png())
    return location, photo, pdf, still


def _problems(her_call) -> list[str]:
    return [str(problem) for problem in evidence_verify(her_call.incident).problems]


def test_what_the_call_kept_matches_its_log(her_call, kept):
    check = evidence_verify(her_call.incident)

    assert check.ok, check.problems
    assert check.checked == 4


def test_a_moved_location_is_named(her_call, kept):
    location = kept[0]
    VictimLocation.objects.filter(pk=location.pk).update(latitude=51.5)

    assert _problems(her_call) == [
        f"victim location {location.pk} does not match the fix_digest in its log entry"]


def test_a_photo_replaced_with_its_hash_is_named(her_call, kept):
    photo = kept[1]
    forged = b"\xff\xd8\xff" + b"forged" * 10
    VictimUpload.objects.filter(pk=photo.pk).update(
        original=forged, sha256=hashlib.sha256(forged).hexdigest())

    assert _problems(her_call) == [
        f"victim upload {photo.pk} does not match the sha256 in its log entry"]


def test_a_display_copy_replaced_is_named(her_call, kept):
    photo = kept[1]
    VictimUpload.objects.filter(pk=photo.pk).update(display=_png())

    assert _problems(her_call) == [
        f"victim upload {photo.pk} does not match the display_sha256 in its log entry"]


def test_a_still_replaced_with_its_hash_is_named(her_call, kept):
    still = kept[3]
    forged = _png()[:-1] + b"\x00"
    EvidenceStill.objects.filter(pk=still.pk).update(
        image=forged, sha256=hashlib.sha256(forged).hexdigest())

    assert _problems(her_call) == [
        f"evidence still {still.pk} does not match the sha256 in its log entry"]


def test_a_deleted_file_is_named(her_call, kept):
    pdf = kept[2]
    VictimUpload.objects.filter(pk=pdf.pk).delete()

    assert _problems(her_call) == [f"victim upload {pdf.pk} is in the incident log but not kept"]


def test_a_row_slipped_in_without_a_log_entry_is_named(her_call, kept):
    location = kept[0]
    extra = VictimLocation.objects.create(
        session=her_call, incident=her_call.incident, latitude=1.0, longitude=1.0,
        accuracy_m=5, taken_at=location.taken_at, received_at=location.received_at)

    assert _problems(her_call) == [f"victim location {extra.pk} has no entry in the incident log"]


def test_a_rewritten_log_entry_is_named_as_a_broken_chain(her_call, kept):
    entry = LogEntry.objects.get(incident=her_call.incident, kind="evidence.victim_upload",
                                 data__upload_id=kept[1].pk)
    forged = hashlib.sha256(b"forged").hexdigest()
    tamper("UPDATE incidents_logentry SET data = %s WHERE id = %s",
           json.dumps(entry.data | {"sha256": forged}), entry.pk)

    problems = _problems(her_call)

    assert problems[0].startswith("incident log")
    assert f"victim upload {kept[1].pk} does not match the sha256 in its log entry" in problems


def test_the_command_verifies_and_fails_on_a_break(her_call, kept):
    out = StringIO()
    call_command("rvr_evidence_verify", stdout=out)
    assert "OK: 4 item(s) of evidence verified" in out.getvalue()

    VictimLocation.objects.filter(pk=kept[0].pk).update(longitude=0.6)
    err = StringIO()
    with pytest.raises(CommandError, match="1 incident"):
        call_command("rvr_evidence_verify", her_call.incident.reference, stderr=err)
    assert f"victim location {kept[0].pk}" in err.getvalue() and "0.6" not in err.getvalue()
