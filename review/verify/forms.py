"""Forms of the verification pages."""
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..sheets.operations import INTAKE_OUTCOMES, MAX_TEXT


class VerifyForm(FlaskForm):
    serial = StringField(_l("Serial number"), validators=[DataRequired(), Length(max=60)])
    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=40)])


class DraftCheckForm(FlaskForm):
    code = HiddenField()
    draft = FileField(_l("Draft received for legality review"), validators=[
        FileRequired(), FileAllowed(["docx", "pdf", "txt"], _l("Upload a .docx, .pdf or .txt file."))])


class PdfCheckForm(FlaskForm):
    sheet = FileField(_l("Opinion sheet (PDF)"), validators=[
        FileRequired(), FileAllowed(["pdf"], _l("Upload the sheet as a .pdf file."))])


OUTCOME_LABELS = {"accepted": _l("Accepted for legality review"), "returned": _l("Returned to the department"),
                  "pending": _l("Pending")}


class IntakeForm(FlaskForm):
    received_on = DateField(_l("Received on"), default=date.today, validators=[DataRequired()])
    outcome = SelectField(_l("Outcome"), choices=[SelectChoice(o, OUTCOME_LABELS[o]) for o in INTAKE_OUTCOMES])
    note = TextAreaField(_l("Note"), validators=[Length(max=MAX_TEXT)])
    draft_matches = HiddenField()
