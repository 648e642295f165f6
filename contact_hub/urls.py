from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django_otp.admin import OTPAdminSite

from contact_hub import views
from contact_hub.conversations import look_views
from contact_hub.conversations import views as conversation_views
from contact_hub.staff import views as staff_views
from contact_hub.staff.access import public_view
from contact_hub.triage import incident_views, person_views

# The admin demands a verified second factor too, and signs in through the staff login.
admin.site.__class__ = OTPAdminSite
admin.site.site_header = "Contact hub administration"

staff_urls = ([
    path("login/", staff_views.login_view, name="login"),
    path("logout/", staff_views.logout_view, name="logout"),
    path("access-log/", staff_views.access_log_view, name="access_log"),
    path("conduct/flagged/", staff_views.flagged_looks_view, name="flagged_looks"),
    path("conduct/flagged/live/", staff_views.flagged_looks_live_view,
         name="flagged_looks_live"),
    path("conduct/looks/", staff_views.staff_looks_view, name="staff_looks"),
], "staff")

conversation_urls = ([
    path("outbox/", conversation_views.outbox_view, name="outbox"),
    path("messages/<int:message_id>/release/", conversation_views.release_view,
         name="release"),
    path("messages/<int:message_id>/cancel/", conversation_views.cancel_view, name="cancel"),
    path("messages/<int:message_id>/media/<int:index>/", conversation_views.media_view,
         name="media"),
], "conversations")

people_urls = ([
    path("<int:person_id>/", person_views.person_view, name="detail"),
    path("<int:person_id>/reveal/", person_views.person_reveal_view, name="reveal"),
    path("<int:person_id>/look/", look_views.look_reason_view, name="look"),
    path("<int:person_id>/reply/", conversation_views.reply_view, name="reply"),
    path("<int:person_id>/thread/", conversation_views.thread_view, name="thread"),
    path("<int:person_id>/safe-contact/", conversation_views.safe_contact_plan_view,
         name="safe_contact"),
    path("<int:person_id>/code-word/", conversation_views.code_word_check_view,
         name="code_word"),
], "people")

incident_urls = ([
    path("", incident_views.incident_list_view, name="list"),
    path("<str:reference>/", incident_views.incident_view, name="detail"),
    path("<str:reference>/grade/", incident_views.incident_grade_view, name="grade"),
    path("<str:reference>/assign/", incident_views.incident_assign_view, name="assign"),
    path("<str:reference>/divert/", incident_views.incident_divert_view, name="divert"),
    path("<str:reference>/diversion-review/", incident_views.incident_diversion_review_view,
         name="review_diversion"),
    path("<str:reference>/flags/", incident_views.incident_flag_view, name="flag"),
    path("<str:reference>/notes/", incident_views.incident_note_view, name="note"),
    path("<str:reference>/close/", incident_views.incident_close_view, name="close"),
], "incidents")

urlpatterns = [
    path("", views.home_view, name="home"),
    path("health/", views.health_view, name="health"),
    path("staff/", include(staff_urls)),
    path("triage/", include("contact_hub.triage.urls")),
    path("contacts/", include(conversation_urls)),
    path("people/", include(people_urls)),
    path("incidents/", include(incident_urls)),
    path("sms/", include("contact_hub.sms.urls")),
    path("social/", include("social.urls")),
    path("callback/", include("callback.urls")),
    path("rvr/", include("rvr.urls")),
    path("supervision/", include("contact_hub.supervision.urls")),
    path("v/", include("rvr.victim_urls")),
    path("i/", include("rvr.interpreter_urls")),
    path("admin/login/", public_view(RedirectView.as_view(url="/staff/login/?next=/admin/"))),
    path("admin/", admin.site.urls),
]
