"""The victim's addresses: /v/<token>/ (the log filter redacts tokens in this shape)."""

from __future__ import annotations

from django.urls import path

from rvr import share_views, suspect_present_views, victim

app_name = "rvr_victim"

urlpatterns = [
    path("<str:token>/", victim.victim_page_view, name="page"),
    path("<str:token>/opened/", victim.victim_opened_view, name="opened"),
    path("<str:token>/join/", victim.victim_join_view, name="join"),
    path("<str:token>/later/", suspect_present_views.victim_later_view, name="later"),
    path("<str:token>/location/", share_views.victim_location_view, name="location"),
    path("<str:token>/uploads/", share_views.victim_upload_view, name="upload"),
]
