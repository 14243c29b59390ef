"""Sheet commands (filled in by the sheet work)."""


def register(app) -> None:
    """Add the sheet commands to the app's CLI."""
