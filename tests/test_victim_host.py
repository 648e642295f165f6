"""The victim's host serves the static files her page and the interpreter's load, and no
others: a file one of them loads that is left off the list would break her call there."""

from __future__ import annotations

import re

from django.template.loader import get_template

from contact_hub.victim_host import VICTIM_FILES

STATIC = re.compile(r"\{% static '([^']+)' %\}")
PAGES = ("rvr/victim.html", "rvr/interpreter.html")


def _loaded_by(name: str) -> set[str]:
    """The static files a template names, with those of the templates it includes."""
    source = get_template(name).template.source
    included = re.findall(r'\{% include "([^"]+)"', source)
    return set(STATIC.findall(source)).union(*(_loaded_by(i) for i in included))


def test_every_file_her_pages_load_is_served_on_her_host():
    loaded = set().union(*(_loaded_by(page) for page in PAGES))

    assert loaded <= set(VICTIM_FILES)
    assert "rvr/victim.js" in loaded  # the pages were read, includes too


def test_her_host_serves_no_file_her_pages_do_not_load():
    loaded = set().union(*(_loaded_by(page) for page in PAGES))

    assert set(VICTIM_FILES) <= loaded
