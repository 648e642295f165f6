"""The interpreter's addresses: /i/<token>/ (the log filter redacts tokens in this shape)."""

from __future__ import annotations

from django.urls import path

from rvr import interpreter_views

app_name = "rvr_interpreter"

urlpatterns = [
    path("<str:token>/", interpreter_views.interpreter_page_view, name="page"),
    path("<str:token>/join/", interpreter_views.interpreter_join_view, name="join"),
]
