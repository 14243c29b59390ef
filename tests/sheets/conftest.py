from __future__ import annotations

import pytest

from review.extensions import db
from review.sheets import operations as ops
from tests.sheets.builders import Committee


@pytest.fixture
def committee(make):
    return Committee(make)


@pytest.fixture
def issued(committee):
    """An approved submission with its issued sheet: (committee, sheet, code)."""
    decision = committee.decided("approve")
    sheet, code = ops.issue_sheet(committee.office, decision)
    db.session.commit()
    return committee, sheet, code
