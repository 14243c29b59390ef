"""Registry endpoints: the list as JSON and as an Excel file, with the pages' filters and visibility."""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from ..accounts.models import Role
from ..messages import exc_text
from ..registry.queries import FilterError, entries_page, parse_filters
from ..registry.view_data import export_response
from .common import ApiError, api_auth, bp

MAX_PER_PAGE = 500
REGISTRY_ROLES = (Role.office, Role.admin, Role.department)


def _filters():
    try:
        return parse_filters(request.args)
    except FilterError as exc:
        raise ApiError(400, exc.code, exc_text(exc), field=exc.field) from None


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiError(400, "bad_filter", f"{name} must be a number between {low} and {high}", field=name)
    return int(raw)


def entry_json(e, reviews: list[dict]) -> dict:
    """An entry of the list (a plain row of registry.queries.ROW_COLUMNS) with its reviews."""
    return {"id": e.id, "title": e.title, "department": e.department, "department_id": e.department_id,
            "status": e.status.value, "origin": e.origin.value, "doc_number": e.doc_number, "year": e.year,
            "published_on": e.published_on.isoformat() if e.published_on else None,
            "impact_level": e.impact_level or None, "yes_count": e.yes_count,
            "reviews": [{"submission_id": r["submission_id"], "round": r["round"], "conclusion": r["conclusion"],
                         "sheet_serial": r["sheet_serial"]} for r in reviews]}


@bp.get("/registry")
@api_auth(*REGISTRY_ROLES)
def registry_list():
    """?department=&status=&impact=&year=&reviewed=yes|no&q=&sort=&dir=&page=&per_page= (at most 500)."""
    f = _filters()
    page = _int_arg("page", 1, 1, 10**6)
    per_page = _int_arg("per_page", 100, 1, MAX_PER_PAGE)
    result, extra = entries_page(current_user, f, page, per_page, past_end="empty")
    return jsonify({"total": result.total, "page": page, "per_page": per_page,
                    "items": [entry_json(e, extra["reviews"][e.id]) for e in result.items]})


@bp.get("/registry.xlsx")
@api_auth(*REGISTRY_ROLES)
def registry_xlsx():
    return export_response(current_user, _filters())


_ERR = {"$ref": "#/components/schemas/Error"}
_FILTERS = [
    {"name": n, "in": "query", "required": False, "schema": s, "description": d} for n, s, d in (
        ("department", {"type": "integer"}, "department id (office and admin; a department sees only its own)"),
        ("status", {"enum": ["drafting", "under_review", "in_force", "revised", "abolished"]}, "entry status"),
        ("impact", {"enum": ["none", "minor", "major"]}, "screening impact level"),
        ("year", {"type": "integer"}, "the year the entry counts in (publication, else drafting)"),
        ("reviewed", {"enum": ["yes", "no"]}, "went through an expert review round with a decision and a sheet"),
        ("q", {"type": "string", "maxLength": 200}, "full-text search over titles and clause text"),
        ("sort", {"enum": ["updated", "title", "year", "status", "impact", "yes"]}, "sort key"),
        ("dir", {"enum": ["asc", "desc"]}, "sort direction"))]
_ERRORS = {"400": {"description": "A filter has an unknown value (error bad_filter, field names it)",
                   "content": {"application/json": {"schema": _ERR}}},
           "401": {"description": "Missing or invalid bearer token", "content": {"application/json": {"schema": _ERR}}},
           "403": {"description": "Experts and the justice bureau have no registry", "content": {
               "application/json": {"schema": _ERR}}}}
_REVIEW = {"type": "object", "properties": {"submission_id": {"type": "integer"}, "round": {"type": "integer"},
                                            "conclusion": {"type": "string"},
                                            "sheet_serial": {"type": ["string", "null"]}}}
_ITEM = {"type": "object", "properties": {
    "id": {"type": "integer"}, "title": {"type": "string"}, "department": {"type": "string"},
    "department_id": {"type": "integer"}, "status": {"type": "string"}, "origin": {"type": "string"},
    "doc_number": {"type": "string"}, "year": {"type": "integer"}, "published_on": {"type": ["string", "null"]},
    "impact_level": {"type": ["string", "null"]}, "yes_count": {"type": "integer"},
    "reviews": {"type": "array", "items": _REVIEW}}}
OPENAPI_PATHS = {
    "/api/v1/registry": {"get": {
        "summary": "The registry of policies (健康相关政策台账), filtered", "operationId": "registry_list",
        "description": "Roles: office, admin, department (own entries only).", "security": [{"bearer": []}],
        "parameters": _FILTERS + [
            {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1}},
            {"name": "per_page", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}}],
        "responses": {"200": {"description": "One page of entries", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"total": {"type": "integer"}, "page": {"type": "integer"},
                                             "per_page": {"type": "integer"},
                                             "items": {"type": "array", "items": _ITEM}}}}}}, **_ERRORS}}},
    "/api/v1/registry.xlsx": {"get": {
        "summary": "Every matching entry as an Excel file", "operationId": "registry_xlsx",
        "description": "Roles: office, admin, department (own). Cells that would start a formula are escaped.",
        "security": [{"bearer": []}], "parameters": _FILTERS,
        "responses": {"200": {"description": "The workbook", "content": {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "contentMediaType": "application/octet-stream"}}}}, **_ERRORS}}},
}
