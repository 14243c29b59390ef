"""Text and e-mail validation (review/validation.py) and the boundaries that use it."""
from __future__ import annotations

import pytest

from review import validation as v


def test_single_line_refuses_every_line_break():
    for ch in "\r\n\x0b\x0c\x85\u2028\u2029":
        with pytest.raises(v.TextError) as exc:
            v.line(f"方案{ch}标题", "title")
        assert exc.value.code == "text_line_break" and exc.value.field == "title"


def test_text_keeps_newlines_and_drops_other_controls():
    assert v.text("第一行\r\n第二行\r第三行\x0b第四行", "note") == "第一行\n第二行\n第三行\n第四行"
    assert v.text("意见\x1b[31m红\x00色\u200b\u202e", "text") == "意见[31m红色"
    assert v.line("\ufeff标题\t名称 ", "title") == "标题 名称"
    # NFC: a decomposed é becomes one code point
    assert v.line("Cafe\u0301", "title") == "Caf\u00e9"


def test_length_and_type_are_checked():
    with pytest.raises(v.TextError) as exc:
        v.text("长" * 11, "note", max_len=10)
    assert exc.value.code == "text_too_long" and exc.value.params == {"max": 10}
    with pytest.raises(v.TextError):
        v.line(["not", "text"], "title")


def test_email_uses_email_validator():
    assert v.email("Office@Example.cn") == "Office@example.cn"
    assert v.email("") == ""
    for bad in ("office@example.cn\r\nBcc: x@evil.cn", "no-at-sign", "a@b@c.cn", "x@例子\x00.cn"):
        with pytest.raises(v.TextError) as exc:
            v.email(bad)
        assert exc.value.code == "bad_email"


def test_messages_name_the_field_in_the_users_language(app):
    from flask_babel import force_locale

    err = pytest.raises(v.TextError, v.line, "a\nb", "title").value
    with app.test_request_context():
        with force_locale("zh"):
            zh = err.text()
        with force_locale("en"):
            en = err.text()
    assert en == "Title must be a single line: remove the line breaks."
    assert "标题" in zh and "Title" not in zh


def test_printable_never_raises_and_is_xml_safe():
    from xml.sax.saxutils import escape

    from lxml import etree

    text = v.printable("意见\x1b\x00\x07\ud800结束\r\n下一行")
    etree.fromstring(f"<a>{escape(text)}</a>")  # lxml refuses control characters
    assert text == "意见结束\n下一行"
    assert v.printable("a\nb", multiline=False) == "a b"


def test_create_user_refuses_a_header_breaking_email(app):
    from review.accounts.operations import AccountError, create_user

    with pytest.raises(AccountError):
        create_user("office9", "office", "correct horse battery 42", email="o@example.cn\r\nBcc: all@example.cn")
    user = create_user("office9", "office", "correct horse battery 42", email=" O9@Example.cn ")
    assert user.email == "O9@example.cn"


def test_cli_create_user_refuses_control_characters(app, runner):
    result = runner.invoke(args=["create-user", "bad\x1buser", "--role", "office",
                                 "--password", "correct horse battery 42", "--email", "x@example.cn\n"])
    assert result.exit_code != 0


def test_expert_csv_import_reports_control_characters_by_line(app):
    from review.experts.operations import ImportError_, import_experts_csv

    csv = ('name,title,affiliation,domains,expertise\n'
           '张专家,教授,天津医科大学,school_health,近视防控\n'
           '"李\n专家",教授,南开大学,school_health,营养\n')
    with pytest.raises(ImportError_) as exc:
        import_experts_csv(csv, {"school_health"})
    assert [n for n, _ in exc.value.problems] == [4] and "name" in exc.value.problems[0][1]
    report = import_experts_csv('name,title,affiliation,domains,expertise\n'
                                '张专家\x1b,教授,天津医科大学,school_health,"近视\n防控\x00"\n', {"school_health"})
    from review.experts.models import Expert
    from review.extensions import db

    expert = db.session.scalar(db.select(Expert))
    assert report.created == ["张专家"] and expert.expertise == "近视\n防控"


def test_wtforms_filter_and_validator(app):
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict
    from wtforms import StringField, TextAreaField

    class F(FlaskForm):
        name = StringField("Name", validators=[v.SingleLine()], filters=[v.wtf_filter(multiline=False)])
        body = TextAreaField("Body", filters=[v.wtf_filter()])

    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        form = F(MultiDict({"name": "甲\r\n乙", "body": "一\x1b\r\n二"}), meta={"csrf": False})
        assert not form.validate() and "single line" in form.errors["name"][0]
        assert form.body.data == "一\n二"
