"""O1–O3: obligations arise from appointments, planning meetings, conferences and answers, follow them
when they move, are withdrawn (and kept) when they go away, and are never there twice."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from nesa_collab.audit.models import AuditEntry
from nesa_collab.auth.services import update_person
from nesa_collab.cores import services as cores
from nesa_collab.cores.models import Appointment
from nesa_collab.meetings import conferences, services as meetings
from nesa_collab.network import services as network
from nesa_collab.obligations import decisions
from nesa_collab.obligations.models import Obligation
from nesa_collab.obligations.services import Scope, reconcile, reconcile_all

from .conftest import going, live

RELEASE = ("Release Layla Haddad on 25 March 2027 for the Science Collaborative's planning meeting beside the "
           "Spring Educators Conference")


def _audit(database, action):
    with database.session(write=False) as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_o1_each_core_member_is_released_for_the_planning_meeting_beside_the_conference(world, rows):
    (release,) = rows(kind="release", person_id=world.layla.id)
    assert release.statement == RELEASE
    assert (release.school_id, release.collaborative_id, release.conference_id, release.meeting_id) == (
        world.amman.id, world.science.id, world.conference.id, world.planning.id)
    assert release.first_day == release.last_day == date(2027, 3, 25)
    assert release.status == "pending" and release.withdrawn_at is None
    assert "Layla Haddad serves on the Science Collaborative's Core" in release.why and "(O1)" in release.why
    assert "Release from school duties" in release.support
    # The Dubai school owes Omar the same, not Amman.
    (omar,) = rows(kind="release", person_id=world.omar.id)
    assert omar.school_id == world.dubai.id


def test_o1_a_draft_or_a_meeting_that_is_not_beside_the_conference_owes_nothing(world, act, rows):
    science = world.science
    draft = act(None, meetings.create_meeting, science, title="Draft planning", mode="face_to_face",
                time_zone="Asia/Bangkok", starts=datetime(2027, 3, 30, 9, 0), ends=datetime(2027, 3, 30, 12, 0),
                place="Lotus Room", conference="sec-2027")
    far = act(None, meetings.create_meeting, science, title="Too early", mode="face_to_face", time_zone="Asia/Bangkok",
              starts=datetime(2027, 3, 20, 9, 0), ends=datetime(2027, 3, 20, 12, 0), place="Lotus Room",
              conference="sec-2027")
    act(None, meetings.publish_meeting, far)
    assert rows(meeting_id=draft.id) == [] and rows(meeting_id=far.id) == []


def test_c9_o1_the_schools_support_starts_with_the_term(world, factory, act, rows):
    """C9: appointed on the day, the school owes release for the planning meetings within the term —
    not for one before the term starts."""
    later = factory.educator(world.amman, name="Hala Najjar")
    factory.core_member(later, world.science, date(2027, 4, 1), date(2029, 3, 31), today=date(2026, 12, 1))
    assert rows(person_id=later.id) == []
    now = factory.educator(world.amman, name="Dana Hijazi")
    factory.core_member(now, world.science, date(2026, 12, 1), date(2028, 11, 30))
    assert {o.kind for o in rows(person_id=now.id)} == {"release", "attendance"}


def test_o2_core_members_and_members_going_are_owed_support_to_attend_once_each(world, act, rows):
    (layla,) = rows(kind="attendance", person_id=world.layla.id)
    assert layla.statement == ("Support Layla Haddad's attendance at the Spring Educators Conference (26–29 March "
                               "2027), which features the Science Collaborative")
    assert (layla.first_day, layla.last_day, layla.meeting_id) == (date(2027, 3, 26), date(2027, 3, 29), None)
    assert rows(person_id=world.sami.id) == []  # a member, not going (yet)

    going(act, world.sami, world.planning)
    going(act, world.layla, world.planning)  # a Core member going: still one attendance
    (sami,) = rows(kind="attendance", person_id=world.sami.id)
    assert sami.school_id == world.amman.id and "said they are going" in sami.why and "(O2)" in sami.why
    assert len(rows(kind="attendance", person_id=world.layla.id)) == 1
    assert rows(kind="release", person_id=world.sami.id) == []  # release is for Core members (O1)

    going(act, world.sami, world.planning, "not_going")
    (sami,) = rows(kind="attendance", person_id=world.sami.id)
    assert sami.withdrawn_at is not None and sami.withdrawn_reason == "Sami Aziz no longer says they are going"


def test_o1_o3_a_moved_meeting_moves_its_obligation_and_a_confirmed_one_is_asked_again(world, act, rows, database):
    (release,) = rows(kind="release", person_id=world.layla.id)
    (omars,) = rows(kind="release", person_id=world.omar.id)
    (attendance,) = rows(kind="attendance", person_id=world.layla.id)
    act(world.rania, decisions.confirm, release)
    act(world.rania, decisions.confirm, attendance)
    # Scenario 4: the Science Core moves its planning meeting to 30 March (the day after the conference).
    act(None, meetings.update_meeting, world.planning, starts=datetime(2027, 3, 30, 9, 30),
        ends=datetime(2027, 3, 30, 15, 30))
    (moved,) = rows(kind="release", person_id=world.layla.id)
    assert moved.id == release.id and moved.first_day == moved.last_day == date(2027, 3, 30)
    assert moved.status == "pending" and moved.decided_at is None and moved.sequence > release.sequence + 1
    assert moved.statement.startswith("Release Layla Haddad on 30 March 2027")
    (kept,) = rows(kind="attendance", person_id=world.layla.id)
    assert kept.status == "confirmed"  # the conference did not move
    moves = _audit(database, "obligation.move")
    reopen = _audit(database, "obligation.reopen")
    # Both Core members' releases move; only the answered one is asked again.
    assert {e.subject_id for e in moves} == {release.id, omars.id} and [e.subject_id for e in reopen] == [release.id]
    assert moves[0].before["first_day"] == "2027-03-25" and moves[0].after["first_day"] == "2027-03-30"
    assert reopen[0].before["status"] == "confirmed" and reopen[0].after["status"] == "pending"

    # Later the same day: the day did not change, so the answer stands.
    act(world.rania, decisions.confirm, moved)
    act(None, meetings.update_meeting, world.planning, starts=datetime(2027, 3, 30, 13, 0),
        ends=datetime(2027, 3, 30, 17, 0))
    (same,) = rows(kind="release", person_id=world.layla.id)
    assert same.status == "confirmed" and same.first_day == date(2027, 3, 30)


def test_o1_a_meeting_moved_away_from_the_conference_withdraws_the_release(world, act, rows):
    act(None, meetings.update_meeting, world.planning, starts=datetime(2027, 4, 2, 9, 30),
        ends=datetime(2027, 4, 2, 15, 30))
    (release,) = rows(kind="release", person_id=world.layla.id)
    assert release.withdrawn_at is not None
    assert release.withdrawn_reason == ("“Science Core planning day” is no longer a planning meeting beside a "
                                        "conference (S2)")


def test_o1_o2_a_cancelled_meeting_withdraws_what_it_made_owed_and_keeps_it_marked(world, act, rows, database):
    going(act, world.sami, world.planning)
    (release,) = rows(kind="release", person_id=world.layla.id)
    act(world.rania, decisions.confirm, release)
    act(None, meetings.cancel_meeting, world.planning, "the hotel flooded")
    (release,) = rows(kind="release", person_id=world.layla.id)
    assert release.withdrawn_at is not None and release.status == "confirmed"  # kept, as it was answered
    assert release.withdrawn_reason == "the meeting “Science Core planning day” was cancelled"
    (sami,) = rows(kind="attendance", person_id=world.sami.id)
    assert sami.withdrawn_at is not None  # going to a cancelled meeting is going to nothing
    (layla,) = rows(kind="attendance", person_id=world.layla.id)
    assert layla.withdrawn_at is None  # still on a featured collaborative's Core
    withdrawn = _audit(database, "obligation.withdraw")
    (omars,) = rows(kind="release", person_id=world.omar.id)
    assert {e.subject_id for e in withdrawn} == {release.id, omars.id, sami.id}
    assert sami.withdrawn_reason == "the meeting beside it that Sami Aziz said they are going to was cancelled"
    assert all(e.before["withdrawn_reason"] is None and e.after["withdrawn_reason"] for e in withdrawn)


def test_o1_o2_an_ended_term_withdraws_the_schools_obligations(world, act, rows):
    term = act(None, lambda db, _a: db.scalar(select(Appointment).where(Appointment.person_id == world.layla.id)))
    act(None, cores.end_early, term, ended_on=date(2027, 1, 31), reason="resignation")
    found = rows(person_id=world.layla.id)
    assert len(found) == 2 and live(found) == []
    (release,) = [o for o in found if o.kind == "release"]
    assert release.withdrawn_reason == ("Layla Haddad's term on the Science Core ended early on 31 January 2027, "
                                        "before 25 March 2027")


def test_c10_n2_a_move_or_a_lapse_takes_the_obligations_from_the_school(world, act, rows):
    act(None, lambda db, a, p: update_person(db, a, p, school_id=world.dubai.id, today=date(2026, 12, 1)), world.layla)
    found = rows(person_id=world.layla.id)
    assert {(o.school_id, o.withdrawn_at is None) for o in found} == {(world.amman.id, False), (world.dubai.id, True)}
    assert all(o.withdrawn_reason == "Layla Haddad moved to American School of Dubai"
               for o in found if o.school_id == world.amman.id)

    act(None, network.lapse_school, world.dubai, date(2027, 1, 1))
    assert live(rows(school_id=world.dubai.id)) == []
    assert "membership lapsed on 1 January 2027 (N2)" in rows(school_id=world.dubai.id)[-1].withdrawn_reason
    act(None, network.reinstate_school, world.dubai)
    assert len(live(rows(school_id=world.dubai.id))) == 4  # Layla's and Omar's, owed again, pending


def test_o2_the_conference_changing_moves_or_withdraws_attendance(world, act, rows):
    act(None, conferences.update_conference, world.conference, starts_on=date(2027, 3, 24))
    (attendance,) = rows(kind="attendance", person_id=world.layla.id)
    assert (attendance.first_day, attendance.last_day) == (date(2027, 3, 24), date(2027, 3, 29))
    (release,) = rows(kind="release", person_id=world.layla.id)
    assert release.withdrawn_at is None  # 25 March is now a conference day: still beside it (S2)
    act(None, conferences.update_conference, world.conference, featured=[])
    assert live(rows(kind="attendance")) == []
    assert rows(kind="attendance", person_id=world.layla.id)[0].withdrawn_reason == (
        "the Spring Educators Conference no longer features the Science Collaborative")
    assert len(live(rows(kind="release"))) == 2  # the planning meeting is still beside it


def test_o3_reconciling_again_changes_nothing_and_the_database_refuses_a_second_live_row(world, act, database):
    with database.transaction() as db:
        before = db.scalar(select(func.count()).select_from(Obligation))
        for _ in range(3):
            assert not reconcile_all(db).any
            assert not reconcile(db, Scope.of(meetings=[world.planning.id], people=[world.layla.id],
                                              schools=[world.amman.id], conferences=[world.conference.id])).any
        assert db.scalar(select(func.count()).select_from(Obligation)) == before == 4
    with pytest.raises(IntegrityError), database.transaction() as db:
        db.execute(insert(Obligation).values(
            kind="release", school_id=world.amman.id, person_id=world.layla.id, collaborative_id=world.science.id,
            conference_id=world.conference.id, meeting_id=world.planning.id, first_day=date(2027, 3, 25),
            last_day=date(2027, 3, 25), support="x", why="x", status="pending", decision_note="", sequence=0,
            created_at=datetime(2026, 12, 1).astimezone(), updated_at=datetime(2026, 12, 1).astimezone()))


def test_o3_every_obligation_created_is_audited_as_the_system(world, database):
    created = _audit(database, "obligation.create")
    assert len(created) == 4 and all(e.actor_id is None for e in created)
    assert created[0].after["status"] == "pending" and created[0].summary.startswith("Owed (O")


def test_o3_answers_decline_with_a_reason_and_budget_is_for_attendance(world, act, rows):
    from nesa_collab.errors import DomainError

    (release,) = rows(kind="release", person_id=world.layla.id)
    (attendance,) = rows(kind="attendance", person_id=world.layla.id)
    with pytest.raises(DomainError) as refused:
        act(world.rania, decisions.decline, release, "budget")
    assert refused.value.rule == "O1"
    with pytest.raises(DomainError) as refused:
        act(world.rania, decisions.decline, release, "other", "  ")
    assert (refused.value.rule, refused.value.field) == ("O3", "note")
    act(world.rania, decisions.decline, attendance, "budget")
    (attendance,) = rows(kind="attendance", person_id=world.layla.id)
    assert (attendance.status, attendance.decline_reason, attendance.decided_by_id) == (
        "declined", "budget", world.rania.id)
    act(None, meetings.cancel_meeting, world.planning)
    with pytest.raises(DomainError) as refused:
        act(world.rania, decisions.confirm, release)
    assert refused.value.rule == "O3" and "withdrawn" in refused.value.message


def test_o3_a_coordinator_answers_only_for_their_own_school(world, act, rows):
    from nesa_collab.errors import NotFound, PermissionDenied

    (release,) = rows(kind="release", person_id=world.layla.id)
    with pytest.raises(NotFound):
        act(world.allison, decisions.confirm, release)
    with pytest.raises(PermissionDenied):
        act(world.staff, decisions.confirm, release)
    act(world.dpl, decisions.confirm, release)
    assert rows(id=release.id)[0].status == "confirmed"


def test_o3_reconciling_one_persons_scope_leaves_the_others_alone(world, act, rows):
    before = [(o.id, o.withdrawn_at, o.updated_at) for o in rows()]
    act(None, lambda db, _a: reconcile(db, Scope.of(people=[world.sami.id])))
    assert [(o.id, o.withdrawn_at, o.updated_at) for o in rows()] == before


def test_c10_what_was_owed_before_a_move_stays_with_the_school_that_owed_it(world, act, rows):
    (release,) = rows(kind="release", person_id=world.layla.id)
    act(world.rania, decisions.confirm, release)
    act(None, lambda db, a, p: update_person(db, a, p, school_id=world.dubai.id, today=date(2027, 4, 1)), world.layla)
    kept = rows(person_id=world.layla.id)
    assert [(o.school_id, o.withdrawn_at) for o in kept] == [(world.amman.id, None)] * 2
    assert rows(id=release.id)[0].status == "confirmed"
    later = act(None, meetings.create_meeting, world.science, title="Autumn planning", mode="face_to_face",
                time_zone="Asia/Bangkok", starts=datetime(2027, 3, 30, 9, 0), ends=datetime(2027, 3, 30, 12, 0),
                place="Lotus Room", conference="sec-2027")
    act(None, meetings.publish_meeting, later)
    assert rows(person_id=world.layla.id, meeting_id=later.id) == []  # 30 March: before her move, not owed anew


def test_o2_leaving_the_collaborative_withdraws_the_attendance_owed_through_an_answer(world, act, rows):
    going(act, world.sami, world.planning)
    (sami,) = rows(kind="attendance", person_id=world.sami.id)
    assert sami.withdrawn_at is None

    def leave(db, actor):
        membership = network.current_membership(db, world.sami.id, world.planning.collaborative_id)
        return network.leave(db, actor, membership, date(2027, 1, 10), "moving on")

    act(world.dpl, leave)
    (sami,) = rows(kind="attendance", person_id=world.sami.id)
    assert sami.withdrawn_at is not None  # O2 is for the collaborative's members
