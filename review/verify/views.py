"""Verification pages (filled in by the sheet work)."""
from flask import Blueprint

bp = Blueprint("verify", __name__, url_prefix="/verify")
