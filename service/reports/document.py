"""A document as a list of blocks, written out as Markdown, HTML (and PDF through WeasyPrint) or DOCX.

Briefings and the SNA narrative are built once as blocks; each format is a plain translation,
so the PDF, the DOCX and the HTML of one briefing say exactly the same things.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from pathlib import Path

from service.config import PROJECT_ROOT


@dataclass(frozen=True)
class Block:
    """One block: ``heading`` (level 1-3), ``paragraph``, ``bullets``, ``table``, ``figure``, ``note`` or ``box``."""

    kind: str
    text: str = ""
    level: int = 2
    items: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    svg: str = ""
    png: bytes = b""
    children: tuple["Block", ...] = ()


@dataclass
class Document:
    """A titled list of blocks."""

    title: str
    subtitle: str = ""
    blocks: list[Block] = field(default_factory=list)

    def add(self, kind: str, text: str = "", **values: object) -> None:
        """Append a block."""
        self.blocks.append(Block(kind, text, **values))


def to_markdown(document: Document) -> str:
    """The document as Markdown (tables as pipe tables, figures by caption only)."""
    lines = [f"# {document.title}", ""]
    if document.subtitle:
        lines += [f"*{document.subtitle}*", ""]
    for block in document.blocks:
        lines += _markdown_block(block)
    return "\n".join(lines).rstrip() + "\n"


def _markdown_block(block: Block) -> list[str]:
    if block.kind == "heading":
        return ["#" * (block.level + 1) + " " + block.text, ""]
    if block.kind in ("paragraph", "note"):
        return [f"> **{block.text}**" if block.kind == "note" else block.text, ""]
    if block.kind == "bullets":
        return [f"- {item}" for item in block.items] + [""]
    if block.kind == "table":
        head = "| " + " | ".join(block.header) + " |"
        rule = "|" + "|".join("---" for _ in block.header) + "|"
        body = ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in block.rows]
        return ([f"**{block.text}**", ""] if block.text else []) + [head, rule, *body, ""]
    if block.kind == "figure":
        return [f"*Figure: {block.text}*", ""]
    if block.kind == "box":
        out = [f"### {block.text}", ""]
        for child in block.children:
            out += _markdown_block(child)
        return out
    raise ValueError(f"unknown block kind {block.kind!r}")


def to_html(document: Document) -> str:
    """The document as a self-contained HTML page (print styles for two to four A4 pages)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(PROJECT_ROOT / "templates" / "briefing")),
                      autoescape=select_autoescape(["html"]))
    env.filters["b64"] = lambda data: base64.b64encode(data).decode("ascii")
    css = (PROJECT_ROOT / "templates" / "briefing" / "print.css").read_text(encoding="utf-8")
    return env.get_template("document.html").render(document=document, css=css)


def to_pdf(document: Document) -> bytes:
    """The HTML rendered to PDF by WeasyPrint."""
    from weasyprint import HTML

    return HTML(string=to_html(document), base_url=str(Path(PROJECT_ROOT))).write_pdf()


def to_docx(document: Document) -> bytes:
    """The document as a Word file (python-docx): headings, tables, charts as PNG."""
    from docx import Document as Word
    from docx.shared import Cm, Pt

    word = Word()
    style = word.styles["Normal"]
    style.font.name, style.font.size = "Arial", Pt(10)
    for section in word.sections:
        section.left_margin = section.right_margin = Cm(1.8)
        section.top_margin = section.bottom_margin = Cm(1.5)
    word.add_heading(document.title, level=0)
    if document.subtitle:
        word.add_paragraph(document.subtitle).italic = True
    for block in document.blocks:
        _docx_block(word, block)
    buffer = io.BytesIO()
    word.core_properties.author = "Community Voice"
    word.save(buffer)
    return buffer.getvalue()


def _docx_block(word, block: Block) -> None:  # noqa: ANN001  (python-docx Document)
    from docx.shared import Cm

    if block.kind == "heading":
        word.add_heading(block.text, level=min(block.level, 3))
    elif block.kind == "paragraph":
        word.add_paragraph(block.text)
    elif block.kind == "note":
        word.add_paragraph().add_run(block.text).bold = True
    elif block.kind == "bullets":
        for item in block.items:
            word.add_paragraph(item, style="List Bullet")
    elif block.kind == "table":
        if block.text:
            word.add_paragraph().add_run(block.text).bold = True
        table = word.add_table(rows=1, cols=len(block.header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, block.header):
            cell.text = ""
            cell.paragraphs[0].add_run(text).bold = True
        for row in block.rows:
            for cell, text in zip(table.add_row().cells, row):
                cell.text = text
    elif block.kind == "figure" and block.png:
        word.add_picture(io.BytesIO(block.png), width=Cm(16))
        word.add_paragraph(f"Figure: {block.text}").italic = True
    elif block.kind == "box":
        word.add_heading(block.text, level=2)
        for child in block.children:
            _docx_block(word, child)
