"""PDF toolkit shared by every document liuhen prints (reportlab, A4, Chinese).

Chinese text uses reportlab's built-in CID font ``STSong-Light`` (Adobe's Chinese-simplified font pack,
not embedded: every PDF reader — Acrobat, WPS, poppler, pdf.js — substitutes its own Song/Ming face),
so no font file ships with the project. Hashes and other ASCII codes use Courier.

How to use it::

    from liuhen.reports import pdf

    story = [
        pdf.title("季度汇总分析"),
        pdf.para("统计期间：2026年第四季度"),
        pdf.heading("一、按类型"),
        pdf.table([["类型", "件数"], ["外部人员过问", 3]], col_widths=[60 * pdf.mm, 30 * pdf.mm]),
        pdf.bar_chart(["外部", "内部"], {"本季度": [3, 1]}),
        pdf.section("纪检监察机构留存"),  # starts a new numbered part (own page count in the footer)
        ...,
    ]
    data: bytes = pdf.build(story, title="季度汇总分析", header="留痕 · 季度汇总分析", target=path_or_None)

* ``build`` lays the flowables out on A4 pages with a header line (``header``, plus the current section's
  label on the right) and a footer ``第 i 页 / 共 n 页`` counted per section (the whole document when it
  has none); it returns the PDF bytes and also writes them to ``target`` when given.
* ``para(text, style)`` escapes the text (user input is never markup); ``styles()`` has the named styles
  (``title``, ``h1``, ``h2``, ``body``, ``small``, ``cell``, ``cell_head``, ``mono``, ``label``).
* ``table(rows, ...)`` turns str/int/None cells into wrapped paragraphs (flowables pass through), with
  a grid, a shaded header and the header repeated on every page; ``form_table`` is for label/value grids
  (the 登记表): labels shaded, spans given as reportlab ``SPAN`` commands.
* ``bar_chart`` / ``pie_chart`` return reportlab ``Drawing`` flowables with Chinese labels.
* ``thumbnail(jpeg_bytes, max_w, max_h)`` makes an ``Image`` flowable from thumbnail bytes (decode images
  safely first with ``liuhen.evidence.inspect.inspect_image``, which returns a JPEG thumbnail).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final
from xml.sax.saxutils import escape

import structlog
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from liuhen.app.settings import Settings

log = structlog.get_logger(__name__)

__all__ = [
    "FONT",
    "MONO",
    "PAGE_SIZE",
    "KeepTogether",
    "PageBreak",
    "Spacer",
    "bar_chart",
    "build",
    "code",
    "form_table",
    "frame_width",
    "heading",
    "mm",
    "para",
    "pie_chart",
    "section",
    "styles",
    "table",
    "thumbnail",
    "title",
]

FONT: Final = "STSong-Light"
MONO: Final = "Courier"
PAGE_SIZE: Final = A4
MARGIN: Final = 18 * mm
HEADER_GAP: Final = 8 * mm
GRID: Final = colors.HexColor("#444444")
SHADE: Final = colors.HexColor("#E8EDF3")
# Colour-blind-safe series colours (Okabe–Ito), also used by the XLSX charts' order.
SERIES_COLOURS: Final = [
    colors.HexColor("#0072B2"),
    colors.HexColor("#E69F00"),
    colors.HexColor("#009E73"),
    colors.HexColor("#CC79A7"),
    colors.HexColor("#56B4E9"),
    colors.HexColor("#D55E00"),
    colors.HexColor("#F0E442"),
    colors.HexColor("#999999"),
]


@cache
def register_fonts() -> str:
    """Register the Chinese CID font once per process; returns its name."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


@dataclass(frozen=True)
class Faces:
    """The faces of the documents: GB/T 9704 (党政机关公文格式) sets the body in 仿宋, first-level headings
    in 黑体 and second-level ones in 楷体; each is STSong-Light unless the deployment gives its font file."""

    body: str = FONT
    heading: str = FONT
    subheading: str = FONT


def _ttf(name: str, path: Path | None) -> str | None:
    """Register a TrueType face (the first of a collection); None when there is no usable file."""
    if path is None:
        return None
    try:
        pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=0))
    except (OSError, TTFError) as exc:
        log.warning("pdf_font_unusable", face=name, error=str(exc))
        return None
    return name


@cache
def faces() -> Faces:
    """The faces in use, read once per process from the settings (``LIUHEN_PDF_FONT_*``)."""
    register_fonts()
    settings = Settings()
    heading = _ttf("LiuhenHeiti", settings.pdf_font_heiti) or FONT
    return Faces(
        body=_ttf("LiuhenFangsong", settings.pdf_font_fangsong) or FONT,
        heading=heading,
        subheading=_ttf("LiuhenKaiti", settings.pdf_font_kaiti) or heading,
    )


def frame_width() -> float:
    """Usable width between the margins of an A4 page."""
    return float(PAGE_SIZE[0] - 2 * MARGIN)


@cache
def styles() -> Mapping[str, ParagraphStyle]:
    """Named paragraph styles, all with CJK line breaking."""
    face = faces()
    base = ParagraphStyle("body", fontName=face.body, fontSize=10.5, leading=15, wordWrap="CJK")
    return {
        "body": base,
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontName=FONT,  # 小标宋's nearest: a Song face
            fontSize=18,
            leading=26,
            alignment=TA_CENTER,
            spaceAfter=4 * mm,
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=11, alignment=TA_CENTER, spaceAfter=3 * mm
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontName=face.heading,
            fontSize=13.5,
            leading=20,
            spaceBefore=4 * mm,
            spaceAfter=2 * mm,
            keepWithNext=1,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=face.subheading,
            fontSize=11.5,
            leading=17,
            spaceBefore=3 * mm,
            spaceAfter=1 * mm,
            keepWithNext=1,
        ),
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=12),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=12.5),
        "cell_head": ParagraphStyle("cell_head", parent=base, fontSize=9, leading=12.5, alignment=TA_CENTER),
        "label": ParagraphStyle("label", parent=base, fontSize=9.5, leading=13, alignment=TA_CENTER),
        "mono": ParagraphStyle("mono", fontName=MONO, fontSize=7.5, leading=9.5, wordWrap="CJK"),
    }


def para(text: object, style: str = "body") -> Paragraph:
    """A paragraph of plain text: escaped (never markup), newlines kept as line breaks."""
    shown = "" if text is None else str(text)
    return Paragraph(escape(shown).replace("\n", "<br/>"), styles()[style])


def code(label: str, value: object, style: str = "cell", size: float = 7.5) -> Paragraph:
    """``label`` in the Chinese font followed by ``value`` (a hash, a file name) in Courier, escaped."""
    shown = escape("—" if value is None or value == "" else str(value))
    return Paragraph(f'{escape(label)}<font name="{MONO}" size="{size}">{shown}</font>', styles()[style])


def title(text: str) -> Paragraph:
    return para(text, "title")


def heading(text: str, level: int = 1) -> Paragraph:
    return para(text, "h1" if level <= 1 else "h2")


def _cell(value: object, style: str) -> Flowable | list[Flowable]:
    if isinstance(value, Flowable):
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, Flowable) for v in value):
        return list(value)  # several flowables stacked in one cell
    return para(_number(value), style)


def _number(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    return "" if value is None else str(value)


PADDING = 3  # points left and right of a table cell's content


def _fits(text: str, width: float | None) -> bool:
    """Plain text that fits on one line of a cell ``width`` wide: drawn as a string, no paragraph to
    parse and wrap (most cells of a list: numbers, dates, names; measured, most of a report's time)."""
    if width is None or "\n" in text:
        return False
    cell = styles()["cell"]
    return float(pdfmetrics.stringWidth(text, cell.fontName, cell.fontSize)) <= width - 2 * PADDING


def table(
    rows: Sequence[Sequence[object]],
    *,
    col_widths: Sequence[float] | None = None,
    header_rows: int = 1,
    numeric_cols: Iterable[int] = (),
    extra_style: Sequence[tuple[Any, ...]] = (),
) -> Table:
    """A grid table; str/int/None cells become wrapped paragraphs (or plain strings where they fit on one
    line of their column), flowables (or lists of them) pass through.

    ``numeric_cols`` are right-aligned; the first ``header_rows`` rows are shaded and repeated on
    every page the table continues on.
    """
    numeric = set(numeric_cols)
    widths = list(col_widths) if col_widths is not None else None
    data: list[list[Flowable | list[Flowable] | str]] = []
    for i, row in enumerate(rows):
        if i < header_rows:
            data.append([_cell(v, "cell_head") for v in row])
            continue
        cells: list[Flowable | list[Flowable] | str] = []
        for c, v in enumerate(row):
            if isinstance(v, Flowable | list | tuple):  # flowables, stacked or not (none: an empty cell)
                cells.append(_cell(v, "cell"))
                continue
            text = _number(v)
            width = widths[c] if widths is not None and c < len(widths) else None
            cells.append(text if c in numeric or _fits(text, width) else _cell(v, "cell"))
        data.append(cells)
    t = Table(data, colWidths=widths, repeatRows=header_rows)
    cell = styles()["cell"]
    body = ((0, header_rows), (-1, -1))  # what is drawn as a string takes the paragraphs' face and size
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
        ("FONTNAME", *body, cell.fontName),
        ("FONTSIZE", *body, cell.fontSize),
        ("LEADING", *body, cell.leading),
    ]
    if header_rows:
        commands.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), SHADE))
    commands += [("ALIGN", (c, header_rows), (c, -1), "RIGHT") for c in sorted(numeric)]
    t.setStyle(TableStyle([*commands, *extra_style]))
    return t


def form_table(
    rows: Sequence[Sequence[object]],
    *,
    col_widths: Sequence[float],
    label_cells: Iterable[tuple[int, int]],
    spans: Iterable[tuple[tuple[int, int], tuple[int, int]]] = (),
    min_heights: Mapping[int, float] | None = None,
) -> Table:
    """A form grid (登记表): ``label_cells`` (col, row) are shaded and centred, ``spans`` merge cells,
    ``min_heights`` (row → points) keep room for handwriting where the printed form has it."""
    labels = set(label_cells)
    data = [
        [_cell(v, "label" if (c, r) in labels else "cell") for c, v in enumerate(row)]
        for r, row in enumerate(rows)
    ]
    heights = [min_heights.get(r, 0.0) for r in range(len(rows))] if min_heights else None
    t = Table(data, colWidths=list(col_widths), minRowHeights=heights)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.6, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    commands += [("BACKGROUND", cell, cell, SHADE) for cell in labels]
    commands += [("SPAN", a, b) for a, b in spans]
    t.setStyle(TableStyle(commands))
    return t


def thumbnail(jpeg: bytes, max_w: float = 40 * mm, max_h: float = 40 * mm) -> Image:
    """An image flowable scaled to fit ``max_w`` × ``max_h``, keeping its aspect ratio."""
    reader = ImageReader(io.BytesIO(jpeg))
    w, h = (float(v) for v in reader.getSize())
    scale = min(max_w / w, max_h / h) if w and h else 1.0
    return Image(io.BytesIO(jpeg), width=w * scale, height=h * scale)


def _legend(x: float, y: float, names: Sequence[str]) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName = FONT
    legend.fontSize = 8
    legend.alignment = "right"
    legend.columnMaximum = 8
    legend.colorNamePairs = [(SERIES_COLOURS[i % len(SERIES_COLOURS)], n) for i, n in enumerate(names)]
    return legend


def bar_chart(
    categories: Sequence[str],
    series: Mapping[str, Sequence[int | float]],
    *,
    caption: str = "",
    width: float | None = None,
    height: float | None = None,
) -> Drawing:
    """A horizontal bar chart (one bar per series and category): Chinese category labels stay legible."""
    register_fonts()
    register = list(series)
    w = width or frame_width()
    bars = max(1, len(categories))
    h = height or max(45 * mm, min(200 * mm, bars * len(register) * 5.5 * mm + 22 * mm))
    d = Drawing(w, h)
    chart = HorizontalBarChart()
    chart.x, chart.y = 46 * mm, 12 * mm
    chart.width, chart.height = w - 46 * mm - 34 * mm, h - 22 * mm
    # reportlab stacks a group's bars bottom-up: give it the series reversed so the first is on top
    order = list(reversed(range(len(register))))
    chart.data = [list(series[register[i]]) or [0] for i in order] if categories else [[0]]
    chart.categoryAxis.categoryNames = list(categories) or ["—"]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.reverseDirection = True
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    top = max([float(v) for n in register for v in series[n]] or [0.0])
    chart.valueAxis.valueMax = max(1.0, top * 1.15)
    chart.valueAxis.valueStep = _step(chart.valueAxis.valueMax)
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 2
    for pos, i in enumerate(order):
        chart.bars[pos].fillColor = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        chart.bars[pos].strokeColor = None
    d.add(chart)
    if len(register) > 1:
        d.add(_legend(w - 30 * mm, h - 10 * mm, register))
    if caption:
        d.add(String(w / 2, h - 6 * mm, caption, fontName=FONT, fontSize=10, textAnchor="middle"))
    return d


def _step(top: float) -> float:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000):
        if top / step <= 10:
            return float(step)
    return float(10 ** len(str(int(top))) / 10)


def pie_chart(
    labels: Sequence[str],
    values: Sequence[int | float],
    *,
    caption: str = "",
    width: float | None = None,
    height: float = 70 * mm,
) -> Drawing:
    """A pie chart with a legend ``label  value``; categories with value 0 are left out of the pie."""
    register_fonts()
    w = width or frame_width()
    d = Drawing(w, height)
    shown = [(lab, v) for lab, v in zip(labels, values, strict=True) if v]
    if caption:
        d.add(String(w / 2, height - 6 * mm, caption, fontName=FONT, fontSize=10, textAnchor="middle"))
    if not shown:
        d.add(String(w / 2, height / 2, "暂无数据", fontName=FONT, fontSize=10, textAnchor="middle"))
        return d
    pie = Pie()
    size = height - 16 * mm
    pie.x, pie.y = 10 * mm, 5 * mm
    pie.width = pie.height = size
    pie.data = [float(v) for _, v in shown]
    pie.labels = None
    pie.slices.strokeWidth = 0.5
    pie.slices.strokeColor = colors.white
    for i in range(len(shown)):
        pie.slices[i].fillColor = SERIES_COLOURS[i % len(SERIES_COLOURS)]
    d.add(pie)
    legend = _legend(size + 22 * mm, height - 12 * mm, [f"{lab}  {v:g}" for lab, v in shown])
    legend.alignment = "right"
    legend.columnMaximum = 10
    d.add(legend)
    return d


class _Section(Flowable):  # type: ignore[misc]
    """Zero-size marker: the pages from here on belong to a part with its own label and page count."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label
        self.width = self.height = 0

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.liuhen_section = self.label


def section(label: str, *, new_page: bool = True) -> list[Flowable]:
    """Start a numbered part (e.g. one copy of a two-copy form); flowables to put in the story."""
    marker = _Section(label)
    return [PageBreak(), marker] if new_page else [marker]


def _numbered_canvas(header: str) -> type[Canvas]:
    class NumberedCanvas(Canvas):  # type: ignore[misc]
        """Keeps each page until the end so that the footer can say how many pages its part has."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.liuhen_section = ""
            self._pages: list[tuple[dict[str, Any], str]] = []

        def showPage(self) -> None:
            self._pages.append((dict(self.__dict__), self.liuhen_section))
            self._startPage()

        def save(self) -> None:
            counts: dict[str, int] = {}
            for _, sec in self._pages:
                counts[sec] = counts.get(sec, 0) + 1
            seen: dict[str, int] = {}
            for state, sec in self._pages:
                self.__dict__.update(state)
                seen[sec] = seen.get(sec, 0) + 1
                self._decorate(sec, seen[sec], counts[sec])
                Canvas.showPage(self)
            Canvas.save(self)

        def _decorate(self, sec: str, page: int, total: int) -> None:
            width, height = PAGE_SIZE
            self.saveState()
            self.setFont(FONT, 8.5)
            self.setFillColor(colors.HexColor("#555555"))
            top = height - MARGIN + 4 * mm
            self.drawString(MARGIN, top, header)
            if sec:
                self.drawRightString(width - MARGIN, top, sec)
            self.setStrokeColor(colors.HexColor("#999999"))
            self.setLineWidth(0.4)
            self.line(MARGIN, top - 1.5 * mm, width - MARGIN, top - 1.5 * mm)
            self.drawCentredString(width / 2, MARGIN - 9 * mm, f"第 {page} 页 / 共 {total} 页")
            self.restoreState()

    return NumberedCanvas


def build(
    story: Sequence[Flowable | Sequence[Flowable]],
    *,
    title: str,
    header: str = "",
    target: Path | str | None = None,
    author: str = "留痕 liuhen",
) -> bytes:
    """Lay the story out on A4 pages; return the PDF bytes (and write them to ``target`` if given).

    Items of ``story`` may be flowables or lists of flowables (as ``section`` returns).
    """
    register_fonts()
    flat: list[Flowable] = []
    for item in story:
        if isinstance(item, Flowable):
            flat.append(item)
        else:
            flat.extend(item)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + HEADER_GAP,
        bottomMargin=MARGIN,
        title=title,
        author=author,
        creator="liuhen",
    )
    doc.build(flat, canvasmaker=_numbered_canvas(header or title))
    data = buffer.getvalue()
    if target is not None:
        Path(target).write_bytes(data)
    return data
