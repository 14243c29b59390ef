from tests.sheets.conftest import committee, issued  # noqa: F401  (fixtures)
