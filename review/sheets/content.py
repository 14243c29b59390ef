"""What the sheet says, as rows of (label, value), shared by the .docx, the PDF and the pages."""
from __future__ import annotations

import io
from dataclasses import dataclass

import qrcode


@dataclass
class SheetView:
    facts: dict
    wording: dict
    code: str = ""

    @property
    def labels(self) -> dict:
        return self.wording["labels"]

    def basic_rows(self) -> list[tuple[str, str]]:
        f, L = self.facts, self.labels
        period = f"{f['review_started_on'] or f['received_on']} — {f['decided_on']}"
        return [
            (L["serial"], f["serial"]),
            (L["committee"], f["committee"]),
            (L["title"], f["title"]),
            (L["department"], f["department"]),
            (L["policy_type"], f["policy_type_label"]),
            (L["round"], L["round_value"].format(round=f["round"])),
            (L["received_on"], f["received_on"]),
            (L["review_period"], period),
            (L["decided_on"], f["decided_on"]),
        ]

    def panel_text(self) -> str:
        panel = self.facts["panel"]
        if panel["anonymised"]:
            return self.labels["panel_anonymised"].format(size=panel["size"])
        members = [f"{m['name']}（{'、'.join(m['domains'])}）" if m["domains"] else m["name"]
                   for m in panel["members"]]
        return f"{self.labels['panel_size']}：{panel['size']}。" + "；".join(members) + "。"

    def conclusion_rows(self) -> list[tuple[str, str]]:
        f, L = self.facts, self.labels
        rows = [(L["conclusion"], f["conclusion_label"]), (L["legality"], f["legality"]),
                (L["next_steps"], f["next_steps"])]
        if f.get("reason"):
            rows.append((L["reason"], f["reason"]))
        return rows


def verify_url(base_url: str, serial: str, code: str = "", *, encoded: bool = True) -> str:
    """The verification URL; ``encoded=False`` gives the readable form printed on the sheet."""
    from urllib.parse import quote

    url = f"{base_url.rstrip('/')}/verify/{quote(serial, safe='') if encoded else serial}"
    return f"{url}?code={quote(code, safe='')}" if code else url


def qr_png(data: str, box_size: int = 8) -> bytes:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=2)
    qr.add_data(data)
    qr.make(fit=True)
    buf = io.BytesIO()
    qr.make_image().save(buf)
    return buf.getvalue()
