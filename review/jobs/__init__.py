"""Background jobs: a maintained queue (Huey) carries them, a Job row tracks them for the pages."""
from .models import Job, JobStatus  # noqa: F401
from .operations import JobFailure, enqueue, job_handler, latest_job  # noqa: F401
