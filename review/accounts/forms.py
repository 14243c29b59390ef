from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..validation import SingleLine, wtf_filter


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), SingleLine(), Length(max=80)],
                           filters=[wtf_filter(multiline=False)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in"))
