"""Dip sampling: each shift every supervisor is offered a random few of the texts, callback
calls and video calls other staff had with victims, and records a verdict for professional
standards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contact_hub.conversations.models import DeliveryStatus, Message
from contact_hub.incidents.models import Alert
from contact_hub.staff.models import AccessEvent, Role
from contact_hub.supervision.models import DipSample, DipSampleItem
from contact_hub.supervision.services import (
    SampleRefused,
    dip_sample_current,
    dip_verdict_record,
)
from tests.factories import StaffFactory
from tests.supervision.conftest import callback_call, staff_text, video_call

pytestmark = pytest.mark.django_db
NOTES = "Reminded them to keep to the approved wording"


def _kinds(sample: DipSample) -> list[str]:
    return sorted(sample.items.values_list("kind", flat=True))


def test_a_supervisor_is_offered_the_force_files_number_of_contacts(coordinator, supervisor):
    for _ in range(7):
        staff_text(coordinator)

    sample = dip_sample_current(supervisor=supervisor)

    assert sample.items.count() == 5
    assert set(sample.items.values_list("staff", flat=True)) == {coordinator.pk}


def test_the_sample_size_comes_from_the_force_file(coordinator, supervisor, settings):
    settings.HUB_ACCESS = {**settings.HUB_ACCESS, "dip_sample_size": 2}
    for _ in range(4):
        staff_text(coordinator)

    assert dip_sample_current(supervisor=supervisor).items.count() == 2


def test_the_sample_stays_the_same_all_shift(coordinator, supervisor):
    for _ in range(8):
        staff_text(coordinator)
    first = dip_sample_current(supervisor=supervisor)
    offered = list(first.items.values_list("record_id", flat=True))

    later = dip_sample_current(supervisor=supervisor, now=timezone.now() + timedelta(hours=9))

    assert later == first
    assert list(later.items.values_list("record_id", flat=True)) == offered
    assert DipSample.objects.count() == 1


def test_the_next_shift_brings_a_new_sample_of_the_shift_before_it(coordinator, supervisor):
    start = timezone.now()
    first = dip_sample_current(supervisor=supervisor, now=start)
    later = staff_text(coordinator, at=start + timedelta(hours=9))

    second = dip_sample_current(supervisor=supervisor, now=start + timedelta(hours=11))

    assert second != first
    assert second.period_start == start + timedelta(hours=1)
    assert list(second.items.values_list("record_id", flat=True)) == [later.pk]


def test_older_contact_is_not_sampled(coordinator, supervisor):
    staff_text(coordinator, at=timezone.now() - timedelta(hours=11))

    assert dip_sample_current(supervisor=supervisor).items.count() == 0


def test_a_supervisor_never_samples_their_own_contact(supervisor, officer):
    staff_text(supervisor)
    callback_call(supervisor)
    video_call(supervisor, supervisor)

    assert dip_sample_current(supervisor=supervisor).items.count() == 0


def test_texts_callback_calls_and_video_calls_are_all_sampled(coordinator, officer, supervisor,
                                                              settings):
    settings.HUB_ACCESS = {**settings.HUB_ACCESS, "dip_sample_size": 3}
    for _ in range(10):
        staff_text(coordinator)
    call = callback_call(coordinator)
    session = video_call(officer, coordinator)

    sample = dip_sample_current(supervisor=supervisor)

    assert _kinds(sample) == ["callback", "text", "video"]
    callback_item = sample.items.get(kind="callback")
    assert (callback_item.record_id, callback_item.staff, callback_item.person_id) == (
        call.pk, coordinator, call.request.person_id)
    video_item = sample.items.get(kind="video")
    assert (video_item.record_id, video_item.staff, video_item.person_id) == (
        session.pk, officer, session.incident.person_id)


def test_texts_never_sent_and_the_hubs_own_texts_are_not_staff_contact(coordinator,
                                                                       supervisor):
    held = staff_text(coordinator, body="Fancy a drink tonight?")
    assert held.status == DeliveryStatus.HELD
    cancelled = staff_text(coordinator)
    Message.objects.filter(pk=cancelled.pk).update(status=DeliveryStatus.CANCELLED)
    Message.objects.filter(pk=staff_text(coordinator).pk).update(sent_by=None)

    assert dip_sample_current(supervisor=supervisor).items.count() == 0


def test_a_contact_another_supervisor_has_is_left_for_them(coordinator, supervisor,
                                                          settings):
    settings.HUB_ACCESS = {**settings.HUB_ACCESS, "dip_sample_size": 1}
    texts = {staff_text(coordinator).pk, staff_text(coordinator).pk}
    other = dip_sample_current(supervisor=StaffFactory(role=Role.SUPERVISOR))

    mine = dip_sample_current(supervisor=supervisor)

    taken = set(other.items.values_list("record_id", flat=True))
    offered = set(mine.items.values_list("record_id", flat=True))
    assert len(taken) == len(offered) == 1
    assert taken | offered == texts


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.RVR_OFFICER,
                                  Role.PROFESSIONAL_STANDARDS])
def test_only_a_supervisor_is_offered_a_sample(role):
    with pytest.raises(SampleRefused):
        dip_sample_current(supervisor=StaffFactory(role=role))

    assert not DipSample.objects.exists()


@pytest.fixture
def item(coordinator, supervisor):
    staff_text(coordinator)
    return dip_sample_current(supervisor=supervisor).items.get()


def test_a_fine_verdict_needs_no_notes(item, supervisor):
    recorded = dip_verdict_record(item=item, actor=supervisor, verdict="fine", notes="")

    assert (recorded.verdict, recorded.notes) == ("fine", "")
    assert recorded.verdict_at is not None
    event = AccessEvent.objects.get(actor=supervisor, action="change")
    assert (event.what, event.why, event.person_id) == (
        "dip-sample verdict on a text", "dip sampling: Fine", item.person_id)


@pytest.mark.parametrize("verdict", ["advice", "refer"])
def test_advice_and_a_referral_need_notes(item, supervisor, verdict):
    with pytest.raises(SampleRefused, match="at least 10 characters"):
        dip_verdict_record(item=item, actor=supervisor, verdict=verdict, notes="ok")

    item.refresh_from_db()
    assert item.verdict == ""
    assert not Alert.objects.exists()


def test_advice_given_is_recorded_with_its_notes(item, supervisor):
    recorded = dip_verdict_record(item=item, actor=supervisor, verdict="advice", notes=NOTES)

    assert (recorded.verdict, recorded.notes) == ("advice", NOTES)
    assert not Alert.objects.exists()


def test_a_referral_alerts_professional_standards(item, supervisor, coordinator,
                                                  conduct_events,
                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dip_verdict_record(item=item, actor=supervisor, verdict="refer",
                           notes="Personal remarks to the victim in the thread")

    alert = Alert.objects.get()
    assert (alert.kind, alert.for_role) == (Alert.Kind.DIP_REFERRAL,
                                            Role.PROFESSIONAL_STANDARDS)
    assert alert.detail == {"dip_sample_item_id": item.pk, "kind": "text",
                            "staff": coordinator.username, "person_id": item.person_id,
                            "supervisor": supervisor.username}
    assert conduct_events() == [{"type": "live.event", "kind": "dip_sample.verdict",
                                 "dip_sample_item_id": item.pk}]


def test_a_verdict_is_recorded_once(item, supervisor):
    dip_verdict_record(item=item, actor=supervisor, verdict="fine", notes="")

    with pytest.raises(SampleRefused, match="already recorded"):
        dip_verdict_record(item=item, actor=supervisor, verdict="refer", notes=NOTES)

    item.refresh_from_db()
    assert item.verdict == "fine"


def test_only_the_supervisor_offered_the_sample_records_its_verdict(item):
    other = StaffFactory(role=Role.SUPERVISOR)

    with pytest.raises(SampleRefused, match="Only the supervisor this sample was offered"):
        dip_verdict_record(item=item, actor=other, verdict="fine", notes="")

    assert DipSampleItem.objects.get().verdict == ""


def test_an_unknown_verdict_is_refused(item, supervisor):
    with pytest.raises(SampleRefused, match="Choose fine"):
        dip_verdict_record(item=item, actor=supervisor, verdict="ignore", notes=NOTES)
