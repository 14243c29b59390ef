"""Forms of the sheet pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..validation import wtf_filter
from .operations import MAX_ITEMS, MAX_TEXT


class ItemForm(Form):
    """One clause's wording (a sub-form: the outer form carries the CSRF token)."""

    clause_path = HiddenField()
    opinion = TextAreaField(_l("Opinion"), validators=[Length(max=MAX_TEXT)], filters=[wtf_filter()])
    suggestion = TextAreaField(_l("Suggested wording"), validators=[Length(max=MAX_TEXT)], filters=[wtf_filter()])


class IssueForm(FlaskForm):
    items = FieldList(FormField(ItemForm), max_entries=MAX_ITEMS)


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason for revocation"), validators=[DataRequired(), Length(max=MAX_TEXT)],
                           filters=[wtf_filter()])
