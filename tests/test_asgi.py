"""The ASGI entry point."""

from __future__ import annotations

import gc


def test_loading_the_app_moves_start_up_objects_out_of_full_collections():
    import contact_hub.asgi  # noqa: F401 - importing is what starts a web process

    # Frozen objects are left out of every collection: a full one no longer walks Django,
    # Celery and the apps on each pass.
    assert gc.get_freeze_count() > 50_000
