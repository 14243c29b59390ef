"""The inventory as a background job (review/jobs): registered at import time."""
from __future__ import annotations

from ..jobs import JobFailure, job_handler
from .inventory import run_inventory as _run_inventory
from .operations import RegistryError


@job_handler("inventory")
def run_inventory(job, progress) -> dict:
    try:
        return _run_inventory(job, progress)
    except RegistryError as exc:  # a zip found damaged or a bomb while it is expanded
        raise JobFailure(exc.code, str(exc), **exc.params) from None
