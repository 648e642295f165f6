"""Asking for a reason before a look with no assignment, and taking it."""

from __future__ import annotations

from typing import TypeGuard

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from contact_hub.conversations.looks import LookRefused, ReasonNeeded, break_glass_open
from contact_hub.people.models import Person
from contact_hub.staff.access import StaffRequest, role_required
from contact_hub.staff.reasons import REASON_MIN_CHARS
from contact_hub.staff.roles import MAY_SEE_PEOPLE


def reason_asked(request: StaffRequest, needed: ReasonNeeded) -> HttpResponse:
    """The page that asks why, shown instead of the record (nothing of it is on this page).
    A fragment fetched on its own (live refreshes) just says it is not open to the reader; a
    form posted without a reason comes back to the person's page once one is given."""
    if request.headers.get("X-Hub-Background"):
        return HttpResponse("Give a reason to open this record first.", status=403,
                            content_type="text/plain")
    next_url = request.get_full_path() if request.method == "GET" else (
        f"/people/{needed.person_id}/")
    return render(request, "conversations/look_reason.html", {
        "person_id": needed.person_id, "next": next_url, "min_chars": REASON_MIN_CHARS},
        status=403)


@require_POST
@role_required(*MAY_SEE_PEOPLE)
def look_reason_view(request: StaffRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    next_url = request.POST.get("next", "")
    if not _local(next_url):
        next_url = f"/people/{person.pk}/"
    try:
        break_glass_open(actor=request.user, person_id=person.pk,
                         reason=request.POST.get("reason", ""), what="reason given to open "
                         "the record")
    except LookRefused as refusal:
        response = render(request, "conversations/look_reason.html", {
            "person_id": person.pk, "next": next_url, "error": str(refusal),
            "min_chars": REASON_MIN_CHARS, "reason": request.POST.get("reason", "")},
            status=400)
        return response
    return redirect(next_url)


def _local(url: str) -> TypeGuard[str]:
    return url.startswith("/") and not url.startswith("//") and "\\" not in url
