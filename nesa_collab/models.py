"""Imports every domain's models so the metadata (and Alembic) sees every table."""

from .audit.models import AuditEntry  # noqa: F401
from .auth.models import ApiToken, AuthSession, Person, PersonRole, SignInAttempt  # noqa: F401
from .network.models import (Collaborative, Interest, InterestSupporter, Membership,  # noqa: F401
                             NormsRevision, School)
from .cores.models import (Announcement, Appointment, Candidacy, Consultation,  # noqa: F401
                           ConsultationRequest, ProposedAppointment)
from .cores.standing_store import CoreStanding  # noqa: F401
from .notifications.models import MailPreference, OutboxMessage  # noqa: F401
from .plans.models import (Plan, PlanEvidence, PlanGoal, PlanMilestone, PlanOffering,  # noqa: F401
                           PlanReview, PlanRevision, PlanTemplate, Post, TemplateSection)
from .meetings.models import (AgendaItem, Attendance, Conference, ConferenceCollaborative, PlanningSupport,  # noqa: F401
                              Rsvp,
                              FeedToken, Meeting, MeetingInvitation, MeetingMinutes, MeetingOccurrence)
from .meetings.feed_cache import FeedEntry  # noqa: F401
from .meetings.feed_versions import FeedVersion  # noqa: F401
from .obligations.models import Obligation  # noqa: F401
from .support.models import Claim  # noqa: F401
from .flags.models import Flag, Lease, SweepRun  # noqa: F401
from .idempotency import IdempotencyKey  # noqa: F401
