"""What the sheet says, as rows of (label, value), shared by the .docx, the PDF and the pages."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

import qrcode

from pipeline.citation import cite, reference

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
CN_NUMERALS = "一二三四五六七八九十"


def zh_date(value) -> str:
    """'2026-12-01' (or a date) -> '2026年12月1日', as GB/T 9704 writes dates; '' stays ''."""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value or "")
    m = _ISO.match(text)
    return f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日" if m else text


def cn_number(n: int) -> str:
    """1 -> 一, 12 -> 十二, 25 -> 二十五 (headings 一、 and items （一）)."""
    if n <= 10:
        return CN_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (CN_NUMERALS[tens - 1] if tens > 1 else "") + "十" + (CN_NUMERALS[ones - 1] if ones else "")


@dataclass
class SheetView:
    facts: dict
    wording: dict
    code: str = ""

    @property
    def labels(self) -> dict:
        return self.wording["labels"]

    def basic_items(self) -> list[tuple[str, str]]:
        """(label key, value) of the basic facts; the pages put their own labels on the keys."""
        f, L = self.facts, self.labels
        period = f"{f['review_started_on'] or f['received_on']} — {f['decided_on']}"
        return [
            ("serial", f["serial"]),
            ("committee", f["committee"]),
            ("title", f["title"]),
            ("department", f["department"]),
            ("policy_type", f["policy_type_label"]),
            ("round", L["round_value"].format(round=f["round"])),
            ("received_on", f["received_on"]),
            ("review_period", period),
            ("decided_on", f["decided_on"]),
            *([("procedure", f["procedure_label"])] if f.get("procedure_label") else []),
        ]

    def basic_rows(self) -> list[tuple[str, str]]:
        return [(self.labels[k], v) for k, v in self.basic_items()]

    def panel_text(self) -> str:
        panel = self.facts["panel"]
        if panel["anonymised"]:
            return self.labels["panel_anonymised"].format(size=panel["size"])
        members = [f"{m['name']}（{'、'.join(m['domains'])}）" if m["domains"] else m["name"]
                   for m in panel["members"]]
        return f"{self.labels['panel_size']}：{panel['size']}。" + "；".join(members) + "。"

    # -- the sheet as an official document (render_pdf, render_docx) --------------------------

    @property
    def doc(self) -> dict:
        return self.wording["document"]

    def addressee(self) -> str:
        return f"{self.facts['department']}："

    def opening(self) -> str:
        f = self.facts
        round_text = self.labels["round_value"].format(round=f["round"]).replace(" ", "")
        key = "opening_filing" if f.get("procedure") == "filing" and "opening_filing" in self.doc else "opening"
        return self.doc[key].format(title=f["title"], round=round_text)

    def basic_text(self) -> str:
        f = self.facts
        started = f.get("review_started_on") or f["received_on"]
        key = "basic_filing" if f.get("procedure") == "filing" and "basic_filing" in self.doc else "basic"
        text = self.doc[key].format(received=zh_date(f["received_on"]), type=f["policy_type_label"],
                                    started=zh_date(started), decided=zh_date(f["decided_on"]),
                                    panel=self.doc_panel())
        if f.get("procedure_label") and "procedure" in self.doc:  # sheets before lanes did not say
            text += self.doc["procedure"].format(procedure=f["procedure_label"])
        return text

    def doc_panel(self) -> str:
        panel = self.facts["panel"]
        if panel["anonymised"]:
            return self.doc["panel_anonymised"].format(size=panel["size"])
        members = [f"{m['name']}（{'、'.join(m['domains'])}）" if m["domains"] else m["name"]
                   for m in panel["members"]]
        return self.doc["panel"].format(size=panel["size"], members="、".join(members))

    def title_text(self) -> str:
        return self.doc["title"].format(title=self.facts["title"], sheet=self.wording["title"])

    def fingerprints_text(self) -> str:
        f = self.facts
        return self.doc["fingerprints"].format(draft=f["draft_sha256"] or "—", text=f["text_sha256"] or "—")

    def item_heading(self, item: dict) -> str:
        """'关于第五条“学校应当……”' — cited as people do, with the clause's first words."""
        path = item.get("clause_path", "")
        if path == self.labels["general_clause"]:
            return path
        where = reference(path, item["quote"]) if item.get("quote") else (cite(path) or path)
        return self.doc["item_heading"].format(clause=where)

    def summaries(self) -> list[str]:
        return list(dict.fromkeys(s.strip() for s in self.facts.get("summaries") or [] if s.strip()))

    def conclusion_text(self) -> str:
        f = self.facts
        text = self.doc["conclusion"].format(label=f["conclusion_label"], legality=f["legality"])
        return f"{text}{f['next_steps']}"

    def supersedes_text(self) -> str:
        old = self.facts.get("supersedes") or ""
        return self.doc["supersedes"].format(serial=old) if old else ""

    def conclusion_items(self) -> list[tuple[str, str]]:
        f = self.facts
        rows = [("conclusion", f["conclusion_label"]), ("legality", f["legality"]), ("next_steps", f["next_steps"])]
        if f.get("reason"):
            rows.append(("reason", f["reason"]))
        return rows

    def conclusion_rows(self) -> list[tuple[str, str]]:
        return [(self.labels[k], v) for k, v in self.conclusion_items()]


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
