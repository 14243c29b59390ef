from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired


class ExpertImportForm(FlaskForm):
    file = FileField(_l("Expert list (CSV)"), validators=[FileRequired(), FileAllowed(["csv"], _l("Upload a .csv file."))])
