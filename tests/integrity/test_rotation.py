"""`flask --app wsgi rotate-signing-key`: new sheets get the new key, old ones keep verifying."""
from __future__ import annotations

from pathlib import Path

from review.extensions import db
from review.sheets import operations as ops
from review.sheets import signing


def test_rotated_key_signs_new_sheets_and_old_sheets_still_verify(app, issued):
    committee, old_sheet, _ = issued
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify", "--sign"]).exit_code == 0  # a head signed by the old key
    old_pem = (Path(app.config["KEY_DIR"]) / signing.PRIVATE_NAME).read_bytes()
    result = runner.invoke(args=["rotate-signing-key", "--yes"])
    assert result.exit_code == 0, result.output
    assert f"{old_sheet.key_id} retired" in result.output
    keys = Path(app.config["KEY_DIR"])
    assert (keys / signing.PRIVATE_NAME).read_bytes() != old_pem  # the old private key is gone
    assert (keys / signing.RETIRED_DIR / f"{old_sheet.key_id}.pub.pem").is_file()

    new_sheet, _ = ops.issue_sheet(committee.office, committee.decided("modify", title="控烟条例"))
    db.session.commit()
    assert new_sheet.key_id != old_sheet.key_id and new_sheet.key_id in result.output
    for sheet in (old_sheet, new_sheet):
        check = ops.check_sheet_pdf(ops.sheet_path(sheet.pdf_key).read_bytes())
        assert check.authentic, (sheet.serial, check.problems)
        assert ops.verify_record(sheet).authentic
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output


def test_an_unknown_key_id_does_not_verify(app):
    assert signing.public_key_for(app.config["KEY_DIR"], "0123456789abcdef") is None
    assert signing.public_key_for(app.config["KEY_DIR"], "../../etc/passwd") is None
