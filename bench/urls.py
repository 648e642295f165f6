from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from contact_hub.staff.access import public_view


@public_view
@csrf_exempt
def bare_insert_view(request: HttpRequest) -> HttpResponse:
    """The baseline: parse the same form and do one INSERT, nothing else."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_bare (sid, body) VALUES (%s, %s)",
                       [request.POST.get("MessageSid"), request.POST.get("Body")])
    return HttpResponse("<Response/>", content_type="text/xml")


urlpatterns = [
    path("bench/bare/", bare_insert_view),
    path("", include("contact_hub.urls")),
]
