"""Reads the force's configuration file (grades, opening codes, markers, escalation, notices).

Loaded once by settings; kept free of Django imports so settings can use it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contact_hub.neutral_words import REFERENCE, forbidden_words_in

DEFAULT_FORCE_FILE = Path(__file__).resolve().parent / "force.toml"
# A notice the hub sends by itself may tell her to call 999 if she is in danger.
NOTICE_ALLOWED_WORDS = frozenset({"999"})


@dataclass(frozen=True)
class ForceConfig:
    grades: dict[str, dict[str, Any]]
    opening_codes: dict[str, dict[str, Any]]
    markers: dict[str, dict[str, Any]]
    escalation: dict[str, Any]
    notices: dict[str, str]
    access: dict[str, Any]
    # Which risk assessment form the officer's console uses, and where the force's own are.
    risk_assessment: dict[str, Any] = field(default_factory=dict)
    # Whether video calls may be recorded (with the victim's consent), and for how long.
    recording: dict[str, Any] = field(default_factory=dict)


# Who may look at a victim's record and for how long, and the professional standards clocks.
ACCESS_DEFAULTS: dict[str, Any] = {
    # An incident's assignees may still look for this long after it closes (follow-up work).
    "incident_follow_up_days": 28,
    # A look with no assignment, once its reason is given, covers that person for this long.
    "break_glass_minutes": 30,
    # Each shift every supervisor is offered this many staff contacts with victims to check.
    "dip_sample_size": 5,
    # An allegation that does not name the member of staff: whoever held the victim's contacts,
    # incidents, callbacks or video calls this many days before it are candidates.
    "candidate_look_back_days": 30,
    # Professional standards assess a misconduct referral within this many hours (alerted at
    # the escalation points' fractions of it, then at the deadline).
    "referral_assessment_hours": 24,
}


# The risk assessment the officer completes in a video call. form names a form file (key.toml):
# one of the force's own in forms_dir, else one built into rvr/risk_forms/ ("dash", "dara").
RISK_ASSESSMENT_DEFAULTS: dict[str, Any] = {"form": "dash", "forms_dir": None}
# A form's key is also its file's name and the kind of its incident log entry ("dash.recorded").
RISK_FORM_KEY = re.compile(r"[a-z][a-z0-9_]{0,30}")

# Recording video calls: off unless the force turns it on (it needs a lawful basis and a
# retention policy of its own); even then only with the victim's yes at the start of the call.
RECORDING_DEFAULTS: dict[str, Any] = {"allowed": False, "retention_days": 90,
                                      "chunk_seconds": 5}


def force_config_load(path: Path | str) -> ForceConfig:
    with open(path, "rb") as file:
        raw = tomllib.load(file)
    grades = {g["key"]: {"label": g.get("label", g["key"]),
                         "target_minutes": g.get("target_minutes")} for g in raw.get("grade", [])}
    codes = {c["code"].upper(): {"label": c.get("label", c["code"]),
                                 "domestic": bool(c.get("domestic", False))}
             for c in raw.get("opening_code", [])}
    escalation = {"points": [0.5, 1.0], "repeat_minutes": 15, "near_minutes": 30}
    escalation.update(raw.get("escalation", {}))
    access = dict(ACCESS_DEFAULTS)
    access.update(raw.get("access", {}))
    return ForceConfig(grades=grades, opening_codes=codes, markers=raw.get("marker", {}),
                       escalation=escalation, notices=raw.get("notice", {}), access=access,
                       risk_assessment=_risk_assessment(raw.get("risk_assessment", {}), path),
                       recording=RECORDING_DEFAULTS | raw.get("recording", {}))


def _risk_assessment(table: dict[str, Any], path: Path | str) -> dict[str, Any]:
    risk = dict(RISK_ASSESSMENT_DEFAULTS)
    risk.update(table)
    if isinstance(risk["forms_dir"], str) and risk["forms_dir"]:
        # A relative folder is beside the force file, so a force keeps its files together.
        risk["forms_dir"] = Path(path).resolve().parent / risk["forms_dir"]
    elif risk["forms_dir"] == "":
        risk["forms_dir"] = None
    return risk


def force_config_problems(config: ForceConfig) -> list[str]:
    """What is wrong with a force file, in words an operator can act on."""
    problems = []
    if not config.grades:
        problems.append("no grades are defined")
    if not config.opening_codes:
        problems.append("no opening codes are defined")
    if not any(c["domestic"] for c in config.opening_codes.values()):
        problems.append("no opening code is marked domestic = true")
    for key, marker in config.markers.items():
        raises = marker.get("raises_grade_to")
        if raises is not None and raises not in config.grades:
            problems.append(f"marker '{key}' raises to unknown grade '{raises}'")
    points = config.escalation["points"]
    if any(not 0 < p <= 1 for p in points) or points != sorted(points):
        problems.append("escalation points must be rising fractions between 0 and 1")
    if config.escalation["repeat_minutes"] <= 0:
        problems.append("escalation repeat_minutes must be above 0")
    problems += [f"access {name} must be a whole number above 0"
                 for name, value in config.access.items()
                 if not isinstance(value, int) or isinstance(value, bool) or value <= 0]
    problems += _risk_assessment_problems(config.risk_assessment)
    problems += _recording_problems(config.recording)
    for name in ("delay", "marker_set", "marker_extended", "marker_ending"):
        text = config.notices.get(name, "")
        if not text:
            problems.append(f"notice '{name}' is missing")
        problems += [f"notice '{name}' is not neutral: it says '{word}'"
                     for word in forbidden_words_in(text) if word not in NOTICE_ALLOWED_WORDS]
        if REFERENCE.search(text):
            problems.append(f"notice '{name}' is not neutral: it holds a reference number")
    return problems


def _risk_assessment_problems(risk: dict[str, Any]) -> list[str]:
    """The [risk_assessment] table's own shape; rvr's checks load and check the form itself."""
    problems = []
    form = risk.get("form")
    if not isinstance(form, str) or not RISK_FORM_KEY.fullmatch(form):
        problems.append("risk_assessment form must name a form: lower-case letters, digits "
                        "and _, such as \"dash\" or \"dara\"")
    forms_dir = risk.get("forms_dir")
    if forms_dir is not None and not (isinstance(forms_dir, Path) and forms_dir.is_dir()):
        problems.append(f"risk_assessment forms_dir '{forms_dir}' is not a folder")
    return problems


def _recording_problems(recording: dict[str, Any]) -> list[str]:
    problems = []
    if not isinstance(recording.get("allowed"), bool):
        problems.append("recording allowed must be true or false")
    for name, low, high in (("retention_days", 1, 3650), ("chunk_seconds", 1, 60)):
        value = recording.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems.append(f"recording {name} must be a whole number from {low} to {high}")
    return problems
