"""The chart specs (charts.py) drawn as PNG images by matplotlib, for the annual report: the same
figures as the page's ECharts, with the installed CJK font (sheets/fonts.py finds it)."""
from __future__ import annotations

import io

PALETTE = ["#1f5fa8", "#d9822b", "#3a9d5d", "#c23b3b", "#7a5cb8", "#5a8fa3", "#a3a35a"]


def _font(config):
    from matplotlib.font_manager import FontProperties

    from ..sheets.fonts import find_font, fonts_from_app_config

    path = find_font(fonts_from_app_config(config).get("heading", ""), "heading").partition("#")[0]
    return FontProperties(fname=path)


def is_empty(spec: dict) -> bool:
    return not spec["categories"] or all(not v for s in spec["series"] for v in s["values"])


def render_png(spec: dict, config, width_in: float = 6.3, dpi: int = 150) -> bytes:
    """One chart as PNG bytes (the caller skips empty specs)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    font = _font(config)
    fig = Figure(figsize=(width_in, 3.4), dpi=dpi)
    ax = fig.add_subplot()
    if spec["kind"] == "pie":
        values = spec["series"][0]["values"]
        shown = [(n, v) for n, v in zip(spec["categories"], values) if v]
        wedges, texts, autotexts = ax.pie([v for _n, v in shown], labels=[n for n, _v in shown],
                                          colors=PALETTE[:len(shown)], autopct="%1.1f%%", startangle=90,
                                          wedgeprops={"width": 0.45})
        for t in (*texts, *autotexts):
            t.set_fontproperties(font)
        ax.axis("equal")
    else:
        cats = spec["categories"]
        n = len(spec["series"])
        xs = range(len(cats))
        bottoms = [0.0] * len(cats)
        width = 0.8 if spec["kind"] == "stacked" else 0.8 / max(n, 1)
        for i, s in enumerate(spec["series"]):
            vals = [v or 0 for v in s["values"]]
            if spec["kind"] == "stacked":
                ax.bar(list(xs), vals, width, bottom=bottoms, label=s["name"], color=PALETTE[i % len(PALETTE)])
                bottoms = [b + v for b, v in zip(bottoms, vals)]
            else:
                ax.bar([x - 0.4 + width * (i + 0.5) for x in xs], vals, width, label=s["name"],
                       color=PALETTE[i % len(PALETTE)])
        ax.set_xticks(list(xs))
        ax.set_xticklabels(cats, rotation=30 if len(cats) > 4 else 0, ha="right" if len(cats) > 4 else "center",
                           fontproperties=font, fontsize=8)
        if spec.get("unit"):
            ax.set_ylabel(spec["unit"], fontproperties=font)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.legend(prop=font, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(spec["title"], fontproperties=font)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
