"""The demo portal's binary files: a picture, a PDF, a .docx and a .xlsx, each small and valid.

Built in code (zlib, struct, zipfile) rather than shipped, because Pillow and office libraries
are no dependency; a crawl of the demo downloads real attachments of each kind.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from xml.sax.saxutils import escape as xml_escape


def _png(width: int = 16, height: int = 12, rgb: tuple[int, int, int] = (0x1F, 0x5F, 0xA8)) -> bytes:
    """A solid-colour RGB PNG, built with zlib+struct because Pillow is not a dependency."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _pdf(text: str = "Tai lieu mau - Cong thong tin dien tu Quan Hoang Mai (demo)") -> bytes:
    """A one-page PDF with a correct xref table (offsets computed, not hand-counted)."""
    stream = f"BT /F1 14 Tf 60 770 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


_OOXML_NS = "http://schemas.openxmlformats.org"


def _ooxml(kind: str, text: str = "Tài liệu mẫu - Cổng thông tin điện tử Quận Hoàng Mai (demo)") -> bytes:
    """A minimal valid .docx (``kind="docx"``) or .xlsx (``"xlsx"``) package holding one line."""
    main = {"docx": ("word/document.xml", "wordprocessingml.document.main+xml"),
            "xlsx": ("xl/workbook.xml", "spreadsheetml.sheet.main+xml")}[kind]
    rel = f"{_OOXML_NS}/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": f'<Types xmlns="{_OOXML_NS}/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main[0]}" ContentType="application/vnd.openxmlformats-officedocument.{main[1]}"/>'
        + ('<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
           'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' if kind == "xlsx" else "")
        + "</Types>",
        "_rels/.rels": f'<Relationships xmlns="{_OOXML_NS}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="{main[0]}"/></Relationships>',
    }
    if kind == "docx":
        parts["word/document.xml"] = (f'<w:document xmlns:w="{_OOXML_NS}/wordprocessingml/2006/main"><w:body>'
                                      f"<w:p><w:r><w:t>{xml_escape(text)}</w:t></w:r></w:p></w:body></w:document>")
    else:
        sheet_ns = f"{_OOXML_NS}/spreadsheetml/2006/main"
        parts["xl/workbook.xml"] = (f'<workbook xmlns="{sheet_ns}" xmlns:r="{rel}"><sheets>'
                                    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
        parts["xl/_rels/workbook.xml.rels"] = (f'<Relationships xmlns="{_OOXML_NS}/package/2006/relationships">'
                                               f'<Relationship Id="rId1" Type="{rel}/worksheet" '
                                               'Target="worksheets/sheet1.xml"/></Relationships>')
        parts["xl/worksheets/sheet1.xml"] = (f'<worksheet xmlns="{sheet_ns}"><sheetData><row r="1">'
                                             f'<c r="A1" t="inlineStr"><is><t>{xml_escape(text)}</t></is></c>'
                                             "</row></sheetData></worksheet>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, xml in parts.items():
            package.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml)
    return buffer.getvalue()


PNG_BYTES = _png()
DOCUMENTS: dict[str, tuple[str, bytes]] = {
    ".pdf": ("application/pdf", _pdf()),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ooxml("docx")),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ooxml("xlsx")),
    ".png": ("image/png", PNG_BYTES),
}
