"""Which roles may do what: the one place each capability is given to roles.

Views, consumers and services ask `user.has_role(*MAY_...)`; none lists roles of its own. Who may
see full identifiers is a deployment choice and stays in settings (HUB_REVEAL_ROLES).
"""

from __future__ import annotations

from contact_hub.staff.models import Role

# The roles that work contacts and incidents as they happen.
FRONT_LINE = (Role.COORDINATOR, Role.SUPERVISOR, Role.RVR_OFFICER)

MAY_SEE_DASHBOARD = FRONT_LINE
MAY_WATCH_LIVE = FRONT_LINE
MAY_ACKNOWLEDGE_ALERTS = FRONT_LINE
MAY_REPLY = FRONT_LINE
MAY_NOTE_INCIDENTS = FRONT_LINE
MAY_SET_MARKERS = FRONT_LINE
MAY_OWN_MARKERS = FRONT_LINE

# Professional standards read what happened to a person, without working it.
MAY_SEE_THREAD = (*FRONT_LINE, Role.PROFESSIONAL_STANDARDS)
MAY_SEE_INCIDENTS = (*FRONT_LINE, Role.PROFESSIONAL_STANDARDS)
MAY_SEE_PEOPLE = (*FRONT_LINE, Role.PROFESSIONAL_STANDARDS)

MAY_TRIAGE = (Role.COORDINATOR, Role.SUPERVISOR)
MAY_WORK_INCIDENTS = (Role.COORDINATOR, Role.SUPERVISOR)
MAY_WORK_CALLBACKS = (Role.COORDINATOR, Role.SUPERVISOR)
MAY_COORDINATE_RVR = (Role.COORDINATOR, Role.SUPERVISOR)
MAY_SEE_OUTBOX = (Role.COORDINATOR, Role.SUPERVISOR, Role.ADMINISTRATOR)

MAY_WATCH_VIDEO_QUEUE = (Role.RVR_OFFICER, Role.SUPERVISOR)
MAY_TAKE_VIDEO_CALLS = (Role.RVR_OFFICER,)
MAY_SEE_EVIDENCE = (Role.RVR_OFFICER, Role.SUPERVISOR, Role.PROFESSIONAL_STANDARDS)
# Evidence from any call; an RVR officer sees only what the victim sent in their own calls.
MAY_SEE_ANY_CALLS_EVIDENCE = (Role.SUPERVISOR, Role.PROFESSIONAL_STANDARDS)

MAY_SUPERVISE = (Role.SUPERVISOR,)
# Professional standards: the access log and misconduct referrals.
MAY_REVIEW_CONDUCT = (Role.PROFESSIONAL_STANDARDS,)

# Administrators run the system: the admin, staff accounts and their authenticators.
MAY_ADMINISTER = (Role.ADMINISTRATOR,)
# Giving anyone one of these roles takes effect only when a second administrator approves it
# (contact_hub/staff/role_changes.py); moving to any other role takes effect at once.
NEEDS_SECOND_ADMINISTRATOR = (Role.SUPERVISOR, Role.PROFESSIONAL_STANDARDS, Role.ADMINISTRATOR)
