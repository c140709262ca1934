"""The report page's HTML: its style, escaped text, tables, and images inlined as PNG, so
the page is one self-contained file."""

from __future__ import annotations

import base64
import html
import io

import pandas as pd
from matplotlib.figure import Figure
from PIL import Image

STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f3f3f3; }
tr.gan td { background: #fff4e5; } tr.reference td { color: #555; font-style: italic; }
#verdict { font-size: 1.2em; font-weight: 600; padding: .8em 1em; background: #eef4fb;
           border-left: 5px solid #2b6cb0; }
img { max-width: 100%; } .wide { overflow-x: auto; } .note { color: #555; font-size: .9em; }
.pair { display: flex; flex-wrap: wrap; gap: 1em; } .pair img { max-width: 48%; }
details pre { background: #f6f6f6; padding: .8em; overflow-x: auto; font-size: .85em; }
"""


def page(sections: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>synthbalance report</title>"
        f"<style>{STYLE}</style></head><body>\n" + "\n".join(sections) + "\n</body></html>\n"
    )


def escape(text: object) -> str:
    return html.escape(str(text))


def table(frame: pd.DataFrame, name: str) -> str:
    table = frame.to_html(index=False, table_id=name, border=0, na_rep="")
    return f'<div class="wide">{table}</div>'  # a wide table scrolls, the page does not


def image(image: Image.Image, alt: str) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return png(buffer.getvalue(), alt)


def figure(figure: Figure, alt: str) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return png(buffer.getvalue(), alt)


def png(data: bytes, alt: str) -> str:
    return (
        f'<img alt="{escape(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'
    )
