"""Every flag rule F1–F8 raised on one side of its boundary day and not (or cleared) on the other, with a
fixed "today", on the world of conftest.py."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from nesa_collab.flags.models import Audience, FlagRule
from nesa_collab.flags.rules import agenda_gaps
from nesa_collab.meetings import agendas
from nesa_collab.meetings.models import Meeting
from nesa_collab.obligations.models import Obligation
from nesa_collab.support import claims
from nesa_collab.support.models import Claim

from .conftest import flag_of


def _keys(open_flags, rule: str) -> set[str]:
    return {k for k in open_flags() if k.startswith(rule + " ")}


def test_f1_a_term_ending_in_90_days_without_a_successor_is_flagged_but_not_in_91(world, swept, open_flags,
                                                                                   database):
    key = f"F1 appointment:{world.lena_term} ending 2027-04-10"
    swept(date(2027, 1, 9))  # 91 days before 10 April
    assert key not in open_flags()
    swept(date(2027, 1, 10))  # 90 days before
    assert key in open_flags()
    with database.transaction() as db:
        flag = flag_of(db, key)
        assert flag.audience == Audience.DPL and flag.collaborative_id == world.literacy
        assert flag.message == ("F1: Lena Haddad's term on the Literacy Core ends on 10 April 2027 and no "
                                "successor is appointed")
        assert flag.raised_on == date(2027, 1, 10)


def test_f1_a_core_falling_below_five_within_the_year_is_told_a_year_early(world, swept, open_flags):
    key = f"F1 collaborative:{world.literacy} outlook 2027-05-01"
    swept(date(2026, 4, 30))  # the outlook runs to 1 April 2027: Lena Haddad still serves
    assert key not in open_flags()
    swept(date(2026, 5, 1))  # … now to 1 May 2027, when the Core has four
    assert key in open_flags()


def test_f2_and_f3_a_term_ended_leaves_a_vacancy_and_the_core_under_strength_from_the_next_day(world, swept,
                                                                                           open_flags, database):
    vacancy, under = f"F2 collaborative:{world.mathematics} vacancy -", f"F3 collaborative:{world.mathematics} under -"
    swept(date(2027, 2, 28))  # Mona Saleh's last day: five members
    assert vacancy not in open_flags() and under not in open_flags()
    swept(date(2027, 3, 1))
    assert {vacancy, under} <= open_flags()
    with database.transaction() as db:
        assert flag_of(db, under).message == ("F3: the Mathematics Core is under strength (C6): 4 members, at least 5 "
                                              "are needed")
        assert flag_of(db, vacancy).message == "F2: 1 seat on the Mathematics Core left vacant by ended terms"


def test_f3_is_cleared_when_the_core_is_back_to_five(world, swept, open_flags, factory, database):
    under = f"F3 collaborative:{world.mathematics} under -"
    swept(date(2027, 3, 1))
    assert under in open_flags()
    with database.transaction() as db:
        from nesa_collab.network.models import Collaborative, School

        school = db.get(School, world.amman)
        collab = db.get(Collaborative, world.mathematics)
    newcomer = factory.educator(school, name="Hana Aziz")
    factory.core_member(newcomer, collab, date(2027, 3, 1), date(2029, 2, 28), today=date(2027, 2, 20))
    swept(date(2027, 3, 1))
    assert under not in open_flags()
    with database.transaction() as db:
        cleared = flag_of(db, under)
        assert cleared.cleared_on == date(2027, 3, 1) and cleared.cleared_reason.startswith("no longer holds")


def test_f4_a_plan_not_revised_for_twelve_months_is_out_of_date_from_that_day(world, swept, open_flags, database):
    key = f"F4 plan:{world.plan} stale -"
    swept(date(2027, 1, 19))  # last revised 20 January 2026
    assert key not in open_flags()
    swept(date(2027, 1, 20))
    assert key in open_flags()
    with database.transaction() as db:
        flag = flag_of(db, key)
        assert (flag.audience, flag.audience_id) == (Audience.CORE, world.literacy)
        assert flag.message == ("F4: the Literacy plan is out of date (P5): no revision in 12 months (last revised "
                                "20 January 2026)")
    # Collaboratives without a plan are flagged too (P5: an active collaborative has none).
    assert f"F4 collaborative:{world.mathematics} no_plan -" in open_flags()


def test_f5_a_meeting_in_14_days_without_a_final_agenda_is_flagged_but_not_in_15(world, swept, open_flags, database):
    key = f"F5 meeting:{world.call} - 2027-01-25"
    swept(date(2027, 1, 10))  # 15 days before
    assert key not in open_flags()
    swept(date(2027, 1, 11))  # 14 days before
    assert key in open_flags()
    with database.transaction() as db:
        flag = flag_of(db, key)
        assert (flag.audience, flag.audience_id) == (Audience.CORE, world.literacy)
        assert flag.message == ("F5: Literacy Core call (Literacy) meets on 25 January 2027 and its agenda is not "
                                "final: its agenda has no items; no date is set by which its agenda must be final")


def test_f5_clears_once_the_agenda_has_items_that_fit_and_a_final_by_date(world, swept, open_flags, act, database):
    key = f"F5 meeting:{world.call} - 2027-01-25"
    swept(date(2027, 1, 11))
    with database.transaction() as db:
        meeting = db.get(Meeting, world.call)
    act(world.lina, agendas.add_agenda_item, meeting, title="Reading circles", minutes=90)
    swept(date(2027, 1, 12))
    with database.transaction() as db:  # reworded, still open: the agenda over-runs and has no final-by date
        assert flag_of(db, key).message.endswith("its agenda allots 90 minutes but the meeting lasts 60 (M3); no date "
                                                 "is set by which its agenda must be final")
        assert flag_of(db, key).raised_on == date(2027, 1, 11)
    act(world.lina, agendas.replace_agenda, meeting, [{"title": "Reading circles", "minutes": 50}],
        agenda_final_by=date(2027, 1, 20))
    swept(date(2027, 1, 12))
    assert key not in open_flags()


def test_f5_agenda_gaps_name_what_a_final_agenda_lacks():
    class M:
        agenda, agenda_final_by = [], None

    assert agenda_gaps(M()) == ["its agenda has no items", "no date is set by which its agenda must be final"]


def test_f5_drafts_and_cancelled_meetings_are_not_flagged(world, swept, open_flags, act, database):
    from nesa_collab.meetings import services as meetings

    with database.transaction() as db:
        meeting = db.get(Meeting, world.call)
    act(world.lina, meetings.cancel_meeting, meeting, "snow")
    swept(date(2027, 1, 11))
    assert not _keys(open_flags, "F5")


def test_f6_a_claim_waiting_31_days_for_a_decision_is_flagged_but_not_at_30(world, swept, open_flags, database):
    key = f"F6 claim:{world.claim} decision 2027-02-15"
    swept(date(2027, 3, 17))  # submitted on 15 February (Athens): 30 days
    assert key not in open_flags()
    swept(date(2027, 3, 18))
    assert key in open_flags()
    with database.transaction() as db:
        flag = flag_of(db, key)
        assert flag.audience == Audience.CENTER_STAFF and flag.collaborative_id == world.mathematics
        assert flag.message == ("F6: Omar Khalil's hotel-night claim for the Winter Institute, submitted on 15 February "
                                "2027, has waited over 30 days for a decision")


def test_f6_an_approved_claim_waits_for_its_payment_from_its_approval(world, swept, open_flags, act, database):
    from datetime import datetime

    from nesa_collab import clock

    from .conftest import ATHENS

    swept(date(2027, 3, 18))
    with database.transaction() as db:
        claim = db.get(Claim, world.claim)
    clock.freeze(datetime(2027, 3, 19, 10, 0, tzinfo=ATHENS))
    act(world.staff, claims.approve, claim)
    clock.freeze(None)
    swept(date(2027, 3, 20))
    decision = f"F6 claim:{world.claim} decision 2027-02-15"
    assert decision not in open_flags()
    assert not _keys(open_flags, "F6")
    swept(date(2027, 4, 19))  # approved on 19 March: 31 days
    assert f"F6 claim:{world.claim} payment 2027-03-19" in open_flags()
    with database.transaction() as db:
        assert flag_of(db, decision).cleared_reason == "no longer holds: the claim is decided or paid"


def test_f7_an_obligation_pending_30_days_before_its_day_is_flagged_but_not_31(world, swept, open_flags, database):
    with database.transaction() as db:
        release = db.scalar(select(Obligation).where(Obligation.meeting_id == world.planning,
                                                     Obligation.person_id == world.omar))
        assert release.first_day == date(2027, 2, 9)
        key = f"F7 obligation:{release.id} pending 2027-02-09"
    swept(date(2027, 1, 9))  # 31 days before
    assert key not in open_flags()
    swept(date(2027, 1, 10))
    assert key in open_flags()
    with database.transaction() as db:
        flag = flag_of(db, key)
        assert (flag.audience, flag.audience_id) == (Audience.COORDINATOR, world.dubai)
        assert flag.message == ("F7: American School of Dubai has not yet answered (O3): Release Omar Khalil on "
                                "9 February 2027 for the Mathematics Collaborative's planning meeting beside the "
                                "Winter Institute")


def test_f7_clears_when_the_coordinator_answers(world, swept, open_flags, act, database):
    from nesa_collab.obligations import decisions

    swept(date(2027, 1, 10))
    with database.transaction() as db:
        release = db.scalar(select(Obligation).where(Obligation.meeting_id == world.planning,
                                                     Obligation.person_id == world.omar))
    act(world.allison, decisions.confirm, release)
    swept(date(2027, 1, 10))
    assert f"F7 obligation:{release.id} pending 2027-02-09" not in open_flags()


def test_f8_a_member_whose_school_lapsed_mid_term_is_flagged_until_the_term_ends(world, swept, open_flags, database):
    key = f"F8 appointment:{world.sami_term} school -"
    swept(date(2027, 7, 31))
    assert key in open_flags()
    with database.transaction() as db:
        assert flag_of(db, key).message == ("F8: QSI Dushanbe's membership lapsed on 1 October 2026 during their term on "
                                            "the Science Core (C10); the seat may need filling")
    swept(date(2027, 8, 1))  # the term has ended
    assert key not in open_flags()


def test_every_rule_is_raised_somewhere_in_the_world(world, swept, open_flags):
    swept(date(2027, 3, 18))
    assert {k.split()[0] for k in open_flags()} >= {"F1", "F2", "F3", "F4", "F6", "F8"}
    swept(date(2027, 1, 20))
    assert {k.split()[0] for k in open_flags()} >= {"F1", "F4", "F5", "F7", "F8"}
    assert {r.value for r in FlagRule} == {"F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8"}
