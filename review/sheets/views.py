"""Opinion sheet pages (filled in by the sheet work)."""
from flask import Blueprint

bp = Blueprint("sheets", __name__, url_prefix="/sheets")
