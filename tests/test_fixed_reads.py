"""Reads of a fixed shape, compiled from their querysets once and run with new values."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contact_hub.conversations.models import Message
from contact_hub.fixed_reads import FixedRead, FixedReadRefused, related_set
from contact_hub.triage.models import RiskFlag
from tests.factories import received_message, triaged_message

pytestmark = pytest.mark.django_db


class Counted:
    """A build that counts how often it is asked to build."""

    def __init__(self, build):
        self.build, self.builds = build, 0

    def __call__(self, **values):
        self.builds += 1
        return self.build(**values)


@pytest.fixture
def messages() -> list[Message]:
    return [received_message(text=f"message {n}") for n in range(5)]


def test_a_read_gives_what_its_queryset_gives_for_every_value(messages):
    build = Counted(lambda *, ids: Message.objects.filter(pk__in=ids).order_by("pk")
                    .values_list("pk", "text"))
    read = FixedRead(build)

    for ids in ([messages[0].pk], [m.pk for m in messages[1:4]], [m.pk for m in messages]):
        assert read(ids=ids) == list(build.build(ids=ids))


def test_it_is_compiled_once_for_a_shape_and_again_only_for_another(messages):
    build = Counted(lambda *, ids, since, text: Message.objects.filter(
        pk__in=ids, created_at__gte=since, text=text).values_list("pk"))
    read = FixedRead(build)
    since = timezone.now() - timedelta(hours=1)

    assert read(ids=[messages[2].pk], since=since, text="message 2") == [(messages[2].pk,)]
    assert read(ids=[m.pk for m in messages], since=since, text="message 4") == [
        (messages[4].pk,)]
    assert read(ids=[messages[1].pk], since=timezone.now() + timedelta(hours=1),
                text="message 1") == []
    # Each shape is built twice, with two sets of stand-ins. On PostgreSQL a list is one array
    # whatever its length; elsewhere a length of 5 is a new shape (filled out to 8).
    assert build.builds == (2 if connection.vendor == "postgresql" else 4)


def test_none_and_booleans_are_part_of_the_shape_so_a_build_may_branch_on_them(messages):
    def build(*, first_only, above):
        found = Message.objects.order_by("pk")
        if above is not None:
            found = found.filter(pk__gt=above)
        return found.values_list("pk")[:1 if first_only else 10]

    read = FixedRead(build)

    assert read(first_only=True, above=None) == [(messages[0].pk,)]
    assert read(first_only=False, above=messages[2].pk) == [(m.pk,) for m in messages[3:]]
    assert read(first_only=True, above=messages[3].pk) == [(messages[4].pk,)]


@pytest.mark.postgres
def test_a_list_sized_anywhere_is_one_statement_on_postgresql(messages):
    read = FixedRead(lambda *, ids: Message.objects.filter(pk__in=ids).values_list("pk"))

    with CaptureQueriesContext(connection) as queries:
        read(ids=[messages[0].pk])
        read(ids=[m.pk for m in messages])

    assert len({q["sql"].split("ANY")[0] for q in queries.captured_queries}) == 1
    assert "= ANY(" in queries.captured_queries[0]["sql"]


def test_rows_come_through_django_s_converters():
    message = triaged_message(text="he hit me and I'm scared")
    read = FixedRead(lambda *, message_id: RiskFlag.objects.filter(message_id=message_id)
                     .values_list("words"))

    assert read(message_id=message.pk) == list(
        RiskFlag.objects.filter(message_id=message.pk).values_list("words"))
    assert all(isinstance(words, list) for (words,) in read(message_id=message.pk))


def test_a_model_read_gives_instances_whose_relations_related_set_fills_in_one_query(messages):
    read = FixedRead(lambda *, ids: Message.objects.filter(pk__in=ids).order_by("pk"))

    found = read(ids=[m.pk for m in messages])
    with CaptureQueriesContext(connection) as queries:
        related_set(found, "conversation")
        identities = {m.conversation.identity_id for m in found}

    assert [m.pk for m in found] == [m.pk for m in messages]
    assert [m.text for m in found] == [m.text for m in messages]
    assert len(queries) == 1
    assert identities == {m.conversation.identity_id for m in messages}


def test_a_value_used_as_anything_but_a_filter_s_value_is_refused():
    read = FixedRead(lambda *, above: Message.objects.filter(pk__gt=above + 1).values_list("pk"))

    with pytest.raises(FixedReadRefused, match="not a filter's value"):
        read(above=3)


def test_related_objects_annotations_and_prefetches_are_refused():
    with pytest.raises(FixedReadRefused, match="related objects"):
        FixedRead(lambda *, pk: Message.objects.filter(pk=pk).select_related("conversation"))(
            pk=1)
    with pytest.raises(FixedReadRefused, match="related objects and annotations"):
        FixedRead(lambda *, pk: Message.objects.filter(pk=pk).annotate(n=F("pk")))(pk=1)
    with pytest.raises(FixedReadRefused, match="prefetches"):
        FixedRead(lambda *, pk: Message.objects.filter(pk=pk).prefetch_related("risk_flags"))(
            pk=1)


def test_an_empty_list_is_refused_as_the_orm_would_read_nothing():
    read = FixedRead(lambda *, ids: Message.objects.filter(pk__in=ids).values_list("pk"))

    with pytest.raises(FixedReadRefused, match="empty list"):
        read(ids=[])


@pytest.mark.parametrize("lookup", ["icontains", "startswith"])
def test_a_value_the_orm_changes_on_its_way_in_is_refused(messages, lookup):
    # A LIKE's value is escaped and wrapped in wildcards: a read that put real values in the
    # stand-in's place would skip that.
    read = FixedRead(lambda *, text: Message.objects.filter(**{f"text__{lookup}": text})
                     .values_list("pk"))

    with pytest.raises(FixedReadRefused, match=r"not a filter.s value|changed on its way"):
        read(text="a%")


def test_a_none_in_a_list_is_left_out_as_the_orm_leaves_it_out(messages):
    build = lambda *, ids: Message.objects.exclude(pk__in=ids).order_by("pk").values_list("pk")  # noqa: E731
    read = FixedRead(build)

    assert read(ids=[messages[0].pk, None]) == list(build(ids=[messages[0].pk, None]))
    assert len(read(ids=[messages[0].pk, None])) == len(messages) - 1


def test_an_int_past_its_field_s_range_reads_as_the_orm_reads_it():
    triaged_message(text="he hit me and I'm scared")
    build = lambda *, risk: RiskFlag.objects.filter(  # noqa: E731
        message__triage__risk__lt=risk).values_list("kind")
    read = FixedRead(build)

    assert read(risk=100) == list(build(risk=100))
    assert read(risk=40_000) == list(build(risk=40_000)) != []
