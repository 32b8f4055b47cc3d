"""Load Core appointments, candidacies and proposed appointments with their consultation requests
from ``seed_data/cores.yaml``, and the collaboratives' norms from ``collaboratives.yaml`` (after the
Cores: Core members wrote some). Idempotent. Each step is recorded on its own day, by who did it:
the Director appoints, candidates apply, the bodies consulted answer (see ``network.seed.told_on``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..permissions import SYSTEM
from ..auth.services import find_by_email, update_person
from ..network import services as network
from ..network.models import Collaborative, NormsRevision, School
from ..network.seed import acting, load_day, read_yaml, setup_day, the_director, told_on
from ..settings import Settings
from . import consultations, services
from .services import load_actor
from .models import Appointment, Candidacy, CandidacyStatus, ProposedAppointment


def load_cores(db: Session, seed_dir: Path, settings: Settings) -> dict[str, int]:
    path = seed_dir / "cores.yaml"
    if not path.exists():
        return {}
    data = read_yaml(path)
    dpl_person = find_by_email(db, data["appointed_by"])
    counts = {"core terms": 0, "candidacies": 0, "proposed appointments": 0}
    tz = ZoneInfo(settings.network_time_zone)
    for block in data["cores"]:
        collab = db.scalar(select(Collaborative).where(Collaborative.slug == block["collaborative"]))
        for row in block["terms"]:
            person = find_by_email(db, row["person"])
            starts_on = row["starts_on"]
            if db.scalar(select(Appointment.id).where(Appointment.person_id == person.id,
                                                      Appointment.collaborative_id == collab.id,
                                                      Appointment.starts_on == starts_on)):
                continue
            consulted = row["consulted"]
            recorded_on = max(consulted.values())
            actor = load_actor(db, dpl_person, recorded_on)
            consultations = [services.ConsultationInput(body, on, "meeting" if body == "pdac" else "email")
                             for body, on in consulted.items()]
            with told_on(recorded_on, settings):
                term = services.appoint(db, actor, collab, person, starts_on=starts_on, ends_on=row["ends_on"],
                                        consultations=consultations, today=recorded_on)
                term.appointed_at = datetime.combine(recorded_on, time(10), tz)
                counts["core terms"] += 1
                if row.get("reappointed_until"):
                    again = services.reappoint(db, actor, term, ends_on=row["reappointed_until"],
                                               consultations=consultations, note="Reappointed for a second term",
                                               today=recorded_on)
                    again.appointed_at = term.appointed_at
                    counts["core terms"] += 1
            if row.get("ended_on"):
                with told_on(row["ended_on"], settings, 11):
                    services.end_early(db, load_actor(db, dpl_person, row["ended_on"]), term,
                                       ended_on=row["ended_on"], reason=row["end_reason"], note=row.get("end_note", ""))
            if row.get("moved_to"):
                school = db.scalar(select(School).where(School.slug == row["moved_to"]))
                moved_on = row.get("moved_on", recorded_on)
                with told_on(moved_on, settings, 12):  # C10: the Director records the move
                    update_person(db, load_actor(db, dpl_person, moved_on), person, school_id=school.id,
                                  today=moved_on)
        for row in block.get("candidates", []):
            person = find_by_email(db, row["person"])
            if db.scalar(select(Candidacy.id).where(Candidacy.person_id == person.id,
                                                    Candidacy.collaborative_id == collab.id)):
                continue
            on: date = row["applied_on"]
            with told_on(on, settings, 9):
                if row.get("nominated_by"):
                    nominator = load_actor(db, find_by_email(db, row["nominated_by"]), on)
                    c = services.nominate(db, nominator, collab, person, row["statement"], today=on)
                else:
                    c = services.apply_for_seat(db, load_actor(db, person, on), collab, row["statement"], today=on)
            c.created_at = datetime.combine(on, time(9), tz)
            counts["candidacies"] += 1
    for row in data.get("proposals", []):
        counts["proposed appointments"] += _load_proposal(db, row, dpl_person, settings)
    db.flush()
    return counts


def _load_proposal(db: Session, row: dict, dpl_person, settings: Settings) -> int:
    """C1: a proposed appointment asked of the Executive Director and the PDAC, with the answers given
    so far (each by the person named, on the day named). Skipped when one exists for the person and Core."""
    collab = db.scalar(select(Collaborative).where(Collaborative.slug == row["collaborative"]))
    person = find_by_email(db, row["person"])
    if db.scalar(select(ProposedAppointment.id).where(ProposedAppointment.collaborative_id == collab.id,
                                                      ProposedAppointment.person_id == person.id)):
        return 0
    tz = settings.tz
    on: date = row["proposed_on"]
    candidacy = db.scalar(select(Candidacy).where(
        Candidacy.collaborative_id == collab.id, Candidacy.person_id == person.id,
        Candidacy.status == CandidacyStatus.OPEN)) if row.get("from_candidacy") else None
    with told_on(on, settings):
        proposal = consultations.propose(db, load_actor(db, dpl_person, on), collab, person,
                                         starts_on=row["starts_on"], ends_on=row["ends_on"], today=on,
                                         note=row.get("note", ""), candidacy=candidacy)
    proposal.created_at = datetime.combine(on, time(10), tz)
    for r in proposal.requests:
        r.requested_at = proposal.created_at
    for a in row.get("answers", []):
        request = proposal.request_of(a["body"])
        answerer = load_actor(db, find_by_email(db, a["by"]), a["answered_on"])
        with told_on(a["answered_on"], settings, 14):
            consultations.answer(db, answerer, request, answer=a["answer"], note=a.get("note", ""),
                                 today=a["answered_on"])
        request.answered_at = datetime.combine(a["answered_on"], time(14), tz)
    return 1


def load_norms(db: Session, seed_dir: Path, settings: Settings) -> dict[str, int]:
    """K3: each collaborative's norms, with their history: the version agreed when the group formed
    (``norms_before`` when the norms changed since, else ``norms``), recorded on the setup day by the
    import or on the day the group formed by the Director; then ``norms`` as revised by the Core
    member ``norms_revised`` names, ``days_ago`` before the load day. Skipped for a collaborative
    that has norms."""
    counts = {"norms versions": 0}
    has_norms = set(db.scalars(select(NormsRevision.collaborative_id).distinct()))
    collabs = {c.slug: c for c in db.scalars(select(Collaborative))}
    setup, today, director = setup_day(settings), load_day(settings), the_director(db)
    for row in read_yaml(seed_dir / "collaboratives.yaml"):
        collab = collabs.get(row["slug"])
        if collab is None or collab.id in has_norms or not row.get("norms"):
            continue
        since = row.get("forming_since") or row.get("activated_on")
        revised = row.get("norms_revised")
        with told_on(max(since, setup), settings, 9, 45):
            network.update_norms(db, SYSTEM if since <= setup else director, collab,
                                 row["norms_before"] if revised else row["norms"],
                                 "Norms agreed when the group formed")
        counts["norms versions"] += 1
        if revised:
            on = today - timedelta(days=revised["days_ago"])
            author = acting(load_actor(db, find_by_email(db, revised["by"]), on), "norms.edit", collab, director)
            with told_on(on, settings, 17):
                network.update_norms(db, author, collab, row["norms"], revised["summary"])
            counts["norms versions"] += 1
    db.flush()
    return counts
