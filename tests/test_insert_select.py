"""INSERT … SELECT statements built from a model."""

from __future__ import annotations

import pytest

from contact_hub.followups.models import FollowUp
from contact_hub.insert_select import insert_params, insert_select_sql

FROM_STEP = {"payload": "step.payload"}


def test_every_column_but_those_from_the_select_is_a_parameter_in_order():
    sql = insert_select_sql(FollowUp, source="step", expressions=FROM_STEP)
    params = insert_params(FollowUp(task_name="t", attempts=2), expressions=FROM_STEP)

    assert sql.startswith('INSERT INTO "followups_followup" ("task_name", "payload", ')
    assert "SELECT %s, step.payload, " in sql and sql.endswith(" FROM step")
    assert sql.count("%s") == len(params)
    assert params[0] == "t" and 2 in params


def test_auto_now_add_is_applied_to_the_instance_as_save_would():
    followup = FollowUp(task_name="t")

    insert_params(followup, expressions=FROM_STEP)

    assert followup.created_at is not None


def test_a_column_the_model_does_not_have_is_refused():
    with pytest.raises(ValueError, match="no column"):
        insert_select_sql(FollowUp, source="step", expressions={"nope": "step.x"})
