"""The list pages' kept statements (review/plain.py) on PostgreSQL: the same tests as on SQLite,
in the same process, so a statement kept on one database also runs on the other."""
from __future__ import annotations

from tests import test_kept_statements as kept
from tests.conftest import Auth, Factory
from tests.registry.builders import login


def test_registry_on_postgresql(pg_app):
    kept.test_registry_viewers_and_filters_of_one_shape_each_get_their_own(pg_app, Factory(pg_app))


def test_queue_on_postgresql(pg_app):
    kept.test_queue_filters_of_one_shape_each_get_their_own(pg_app, Factory(pg_app))


def test_register_on_postgresql(pg_app):
    client = pg_app.test_client()
    kept.test_register_filters_of_one_shape_each_get_their_own(pg_app, client, Auth(client))


def test_experts_and_statistics_on_postgresql(pg_app):
    kept.test_expert_searches_of_one_shape_each_get_their_own(pg_app, Factory(pg_app))
    office = Factory(pg_app).user("office", username="office")
    client = login(pg_app, office.username)
    for path in ("/stats/", "/stats/?year=", "/office/board", "/notifications/"):
        assert client.get(path).status_code == 200, path
