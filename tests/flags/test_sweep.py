"""The sweep brings the flags in line and keeps the history: a flag is raised once however often it
runs, what no longer holds is cleared with the reason, and a flag tied to a date that moved is
cleared ("the date moved") while the new date is judged afresh."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from nesa_collab.flags.models import Flag, SweepRun
from nesa_collab.flags.runs import run_sweep
from nesa_collab.meetings import services as meetings
from nesa_collab.meetings.models import Meeting

from .conftest import TODAY, flag_of


def _table(database) -> list[tuple]:
    with database.transaction() as db:
        return db.execute(select(Flag.id, Flag.key, Flag.message, Flag.raised_at, Flag.cleared_at)
                          .order_by(Flag.id)).all()


def test_ten_sweeps_in_a_row_leave_the_same_flags(swept, database):
    first = swept(TODAY)
    assert first.raised > 5 and first.cleared == 0
    table = _table(database)
    for _ in range(9):
        again = swept(TODAY)
        assert (again.raised, again.cleared, again.reworded) == (0, 0, 0)
    assert _table(database) == table


def test_a_sweep_after_a_change_clears_what_no_longer_holds_and_keeps_it(world, swept, open_flags, factory,
                                                                        database):
    """F1: appointing Lena Haddad's successor clears her term's flag; the flag stays, cleared, with
    when and why."""
    key = f"F1 appointment:{world.lena_term} ending 2027-04-10"
    swept(TODAY)
    assert key in open_flags()
    with database.transaction() as db:
        from nesa_collab.network.models import Collaborative, School

        school, collab = db.get(School, world.amman), db.get(Collaborative, world.literacy)
    successor = factory.educator(school, name="Yara Khoury")
    factory.core_member(successor, collab, date(2027, 4, 11), date(2029, 4, 10), today=TODAY)
    result = swept(date(2027, 1, 12))
    assert result.cleared >= 1 and key not in open_flags()
    with database.transaction() as db:
        flag = flag_of(db, key)
        assert flag.cleared_on == date(2027, 1, 12) and flag.cleared_at is not None
        assert flag.cleared_reason == ("no longer holds: a successor is appointed, or the term ended or is further "
                                       "off")
        assert db.scalar(select(func.count()).select_from(Flag).where(Flag.key == key)) == 1


def test_f5_a_moved_meeting_clears_its_flag_and_is_judged_against_the_new_date(world, swept, open_flags, act,
                                                                              database):
    old, new = f"F5 meeting:{world.call} - 2027-01-25", f"F5 meeting:{world.call} - 2027-01-22"
    swept(TODAY)
    assert old in open_flags()
    with database.transaction() as db:
        meeting = db.get(Meeting, world.call)
    act(world.lina, meetings.update_meeting, meeting, starts=datetime(2027, 1, 22, 16, 0),
        ends=datetime(2027, 1, 22, 17, 0))
    swept(TODAY)
    assert old not in open_flags() and new in open_flags()
    with database.transaction() as db:
        assert flag_of(db, old).cleared_reason == "the date moved: 25 January 2027 is now 22 January 2027"
        assert "meets on 22 January 2027" in flag_of(db, new).message
    # Moved beyond 14 days: the old date's flag clears saying so, and the new date is not yet due.
    act(world.lina, meetings.update_meeting, meeting, starts=datetime(2027, 2, 8, 16, 0),
        ends=datetime(2027, 2, 8, 17, 0))
    swept(TODAY)
    assert not {k for k in open_flags() if k.startswith("F5 ")}
    with database.transaction() as db:
        assert flag_of(db, new).cleared_reason == "the date moved: 22 January 2027 is now 8 February 2027"
    swept(date(2027, 1, 25))  # 14 days before 8 February
    assert f"F5 meeting:{world.call} - 2027-02-08" in open_flags()


def test_f7_an_obligation_whose_day_moved_with_its_meeting_is_judged_afresh(world, swept, open_flags, act, database):
    from nesa_collab.obligations.models import Obligation

    swept(date(2027, 1, 10))
    with database.transaction() as db:
        release = db.scalar(select(Obligation).where(Obligation.meeting_id == world.planning,
                                                     Obligation.person_id == world.omar))
        meeting = db.get(Meeting, world.planning)
    assert f"F7 obligation:{release.id} pending 2027-02-09" in open_flags()
    act(world.omar, meetings.update_meeting, meeting, starts=datetime(2027, 2, 13, 9, 0),
        ends=datetime(2027, 2, 13, 15, 0))
    swept(date(2027, 1, 10))
    assert f"F7 obligation:{release.id} pending 2027-02-09" not in open_flags()
    assert f"F7 obligation:{release.id} pending 2027-02-13" not in open_flags()  # 34 days off
    with database.transaction() as db:
        assert flag_of(db, f"F7 obligation:{release.id} pending 2027-02-09").cleared_reason == (
            "the date moved: 9 February 2027 is now 13 February 2027")
    swept(date(2027, 1, 14))
    assert f"F7 obligation:{release.id} pending 2027-02-13" in open_flags()


def test_a_run_finds_nothing_changed_since_the_last_run_of_the_day_and_does_not_judge_again(world, database,
                                                                                            settings, act):
    from nesa_collab.meetings import agendas

    first = run_sweep(database, TODAY, settings, "test")
    again = run_sweep(database, TODAY, settings, "test")
    assert first.judged and first.raised > 0
    assert again.ran and not again.judged and (again.raised, again.cleared) == (0, 0)
    full = run_sweep(database, TODAY, settings, "test", full=True)
    assert full.judged and (full.raised, full.cleared) == (0, 0)
    other_day = run_sweep(database, date(2027, 1, 12), settings, "test")
    assert other_day.judged  # another day is judged afresh
    back = run_sweep(database, TODAY, settings, "test")
    assert back.judged  # the flags were last judged for another day
    with database.transaction() as db:
        meeting = db.get(Meeting, world.call)
    act(world.lina, agendas.update_agenda_timeline, meeting, date(2027, 1, 20))  # a change (audited, A1)
    changed = run_sweep(database, TODAY, settings, "test")
    assert changed.judged
    with database.transaction() as db:
        runs = db.scalars(select(SweepRun).order_by(SweepRun.id)).all()
        assert [r.judged for r in runs] == [True, False, True, True, True, True]
        assert all(r.basis and r.finished_at and r.error is None for r in runs)


def test_a_failed_sweep_changes_nothing_and_records_the_error(database, settings, monkeypatch):
    from nesa_collab.flags import runs

    def broken(db, today, settings):
        db.add(Flag(key="x", rule="F1", subject_type="collaborative", subject_id=1, condition="", audience="dpl",
                    message="F1: half-written", raised_on=today))
        db.flush()
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(runs, "sweep", broken)
    outcome = run_sweep(database, TODAY, settings, "test")
    assert outcome.error == "RuntimeError: the disk is full" and outcome.run_id is not None
    with database.transaction() as db:
        assert db.scalar(select(func.count()).select_from(Flag)) == 0
        run = db.get(SweepRun, outcome.run_id)
        assert run.status == "failed" and run.finished_at is not None
    monkeypatch.undo()
    assert run_sweep(database, TODAY, settings, "test").judged  # a failed run is no basis
