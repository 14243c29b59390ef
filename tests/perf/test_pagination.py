"""listing.paginate gives the rows, order and total of db.paginate, with cheaper statements."""
from __future__ import annotations

from review.extensions import db


def test_paginate_matches_db_paginate_on_every_page(tmp_path, parsed_draft):
    from sqlalchemy.orm import joinedload

    from review.listing import paginate
    from review.sheets.register import register_query
    from review.submissions.models import Submission
    from tests.perf.conftest import SIZES, build_site

    site = build_site(tmp_path, SIZES["small"], parsed_draft)
    with site.app.test_request_context():
        queries = [db.select(Submission).options(joinedload(Submission.department))
                   .order_by(Submission.review_due.asc(), Submission.id.asc()),
                   register_query()]
        for query in queries:
            first = db.paginate(query, page=1, per_page=7, error_out=False)
            assert first.total > 14  # several pages
            for n in range(1, first.pages + 2):  # and one past the end
                ours = paginate(query, page=n, per_page=7, past_end="empty")  # as the API asks
                theirs = db.paginate(query, page=n, per_page=7, error_out=False)
                assert [x.id for x in ours.items] == [x.id for x in theirs.items]
                assert ours.total == theirs.total and ours.pages == theirs.pages
            # A page shows the last page instead of an empty one past the end.
            last = db.paginate(query, page=first.pages, per_page=7, error_out=False)
            shown = paginate(query, page=first.pages + 5, per_page=7)
            assert shown.page == first.pages and [x.id for x in shown.items] == [x.id for x in last.items]
        db.session.remove()
