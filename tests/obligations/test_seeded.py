"""The demo's obligations (O1–O3): they arise from the demo's appointments, planning meetings,
conferences and answers, in every state, and reconciling them again changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from nesa_collab.db import Database
from nesa_collab.meetings.models import Rsvp
from nesa_collab.obligations.models import Obligation
from nesa_collab.obligations.services import reconcile_all


def test_o3_the_demo_shows_obligations_in_every_state_and_scenario_4s_waiting_for_rania(seeded):
    database = Database(seeded[0].url)
    with database.transaction() as db:
        assert db.scalar(select(func.count()).select_from(Rsvp)) >= 8
        live = list(db.scalars(select(Obligation).where(Obligation.withdrawn_at.is_(None))).unique())
        assert {o.status for o in live} == {"pending", "confirmed", "declined"}
        assert any(o.status == "declined" and o.decline_reason == "budget" and o.kind == "attendance" for o in live)
        amman = {o.statement: o for o in live if o.school.slug == "acs-amman"}
        release = amman["Release Layla Haddad on 25 March 2027 for the Science Collaborative's planning meeting "
                         "beside the Spring Educators Conference 2027"]
        sami = next(o for s, o in amman.items() if s.startswith("Support Sami Aziz's attendance at the Spring"))
        assert release.status == sami.status == "pending" and "said they are going" in sami.why
        # Derived, so deriving again finds nothing to add, move or withdraw.
        assert not reconcile_all(db).any
        db.rollback()
    database.dispose()
