"""Form files a force might keep in its own forms_dir, for the tests of the form mechanism.

DARA's own questions are not in the repository (rvr/risk_forms/dara.toml says why), and a test
must not make a risk question up either. So a "finished" DARA here is the built-in dara.toml as
a force would complete it, with DASH's published questions standing in for the College's
wording: what is tested is that whatever a force's DARA asks, the console asks it, the officer
grades it with a rationale, and the incident records which form and version were used.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from rvr.risk_forms import BUILT_IN

DARA_VERSION = "force-1"


def dash_questions(count: int) -> list[str]:
    with open(BUILT_IN / "dash.toml", "rb") as file:
        return [q["text"] for q in tomllib.load(file)["question"][:count]]


def dara_completed(forms_dir: Path, *, questions: int = 5) -> Path:
    """The built-in dara.toml as a force would finish it, written to `forms_dir`."""
    text = (BUILT_IN / "dara.toml").read_text()
    text = text.replace('version = "0"', f'version = "{DARA_VERSION}"')
    text = text.replace("complete = false", "complete = true")
    text += '\n[answer_set]\nyes_no_not_known = [\n' + "".join(
        f'  {{ value = "{value}", label = "{label}" }},\n'
        for value, label in [("yes", "Yes"), ("no", "No"), ("not_known", "Not known")]) + "]\n"
    for number, question in enumerate(dash_questions(questions), start=1):
        text += (f'\n[[question]]\nkey = "{number}"\ntext = "{question}"\n'
                 'answers = "yes_no_not_known"\n')
    forms_dir.mkdir(parents=True, exist_ok=True)
    path = forms_dir / "dara.toml"
    path.write_text(text)
    return path


def dash_edited(forms_dir: Path, old: str, new: str) -> Path:
    """The built-in dash.toml with one edit, as the force's own copy."""
    text = (BUILT_IN / "dash.toml").read_text()
    assert old in text, old
    forms_dir.mkdir(parents=True, exist_ok=True)
    path = forms_dir / "dash.toml"
    path.write_text(text.replace(old, new))
    return path
