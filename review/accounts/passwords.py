"""Password rules: long enough, and not one that attackers try first.

The common-password list and the guessability estimate come from zxcvbn (Dropbox's estimator,
maintained Python port): its 30,000 most common leaked passwords, plus its pattern matching for
keyboard walks, dates, repeats and dictionary words with digits appended."""
from __future__ import annotations

from flask_babel import gettext as _
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 12
MAX_LENGTH = 200
_COMMON = frozenset(FREQUENCY_LISTS["passwords"])
# zxcvbn scores 0..4; below 2 means "guessable within about 10^6 tries" (e.g. password1234).
MIN_SCORE = 2


def password_problem(password: str, *user_inputs: str) -> str | None:
    """Why the password is refused (in the user's language), or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _("The password must have at least %(n)s characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("The password must have at most %(n)s characters.", n=MAX_LENGTH)
    if password.lower() in _COMMON:
        return _("This password is on the list of common passwords. Choose another one.")
    if zxcvbn(password, user_inputs=[u for u in user_inputs if u])["score"] < MIN_SCORE:
        return _("This password is too easy to guess (a common word, name, date or keyboard pattern). "
                 "Choose a longer or less predictable one.")
    return None
