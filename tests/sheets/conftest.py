import pytest

from tests.sheets.builders import Committee


@pytest.fixture
def committee(make):
    return Committee(make)
