"""Imports every model so that the metadata is complete (migrations, create_all)."""
from .accounts.models import ApiToken, Department, LoginSession, Role, User  # noqa: F401
from .audit.models import AuditEvent, AuditHead, AuditSeal, CommitteeSetting, Notification  # noqa: F401
from .experts.models import Expert, ExpertConflict, ExpertUnavailability  # noqa: F401
from .reviews.models import (  # noqa: F401
    Assignment, ClauseComment, Decision, Opinion, ReminderLog, RevisionResponse,
)
from .screening.models import ScreeningForm  # noqa: F401
from .routing.models import ExpertTokens, StoredProposal  # noqa: F401
from .sheets.models import LegalityIntake, OpinionSheet  # noqa: F401
from .submissions.models import (  # noqa: F401
    Clause, Submission, SubmissionVersion, StoredFile, submission_drafter,
)
from .jobs.models import Job  # noqa: F401
from .ratelimit import RateLimitCounter  # noqa: F401,E402
