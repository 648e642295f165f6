from __future__ import annotations

# The incident pages (contact_hub/triage/incident_views.py) are tested on the incidents tests'
# incident with its four log entries.
from tests.incidents.conftest import incident  # noqa: F401
