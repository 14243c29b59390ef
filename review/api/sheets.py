"""API routes (filled in by the API work)."""
from .common import bp  # noqa: F401
