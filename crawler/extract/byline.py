"""The Vietnamese byline and source line at the end of an article body.

Portals with no author field print the author as the body's last line ("Phạm Văn Phải – Sở
GD&ĐT", "Tin, ảnh: Minh Anh", "PV"), or in brackets at the end of the last paragraph
("… trong năm 2021. (Nguyễn Ngọc Sơn - Phó CVP Sở)"); a reprint ends with its source
("Theo Báo Hà Giang", "Nguồn: baochinhphu.vn", "(Theo TTXVN)"). :func:`take_byline` reads
those lines from the end of a body element, returns them as ``author`` and ``source``, and
removes them from the body, so the text keeps only the article.

A bare line counts as a personal name only when it looks like one: 2–5 capitalised
syllables beginning with a Vietnamese family name, optionally followed by a short role or
office ("– Phó Hiệu trưởng Trường THPT …"). An ordinary short sentence ending the article
("Xin trân trọng cảm ơn!") or an image caption is never taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.extract.dom import HtmlElement, drop
from crawler.extract.text import BLOCK_TAGS, normalize_text, paragraphs

LINE_MAX = 120
_ROLE_WORDS_MAX = 9
_LINES_MAX = 3
_NAMES_MAX = 2  # a byline names one or two people  # a byline and a source line, in either order, plus one spare

# Vietnamese family names (Kinh and the common ones of the northern ethnic minorities).
SURNAMES = frozenset(
    """Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Lí Đào Đoàn Vương Trịnh Trương
    Đinh Lâm Phùng Mai Tô Hà Tạ Lương Lưu Cao Kiều Chu Quách Thái Triệu Đàm Khúc Lục Nông Mạc Tăng Thân Vi
    Doãn Giang Hứa Âu Cù Lã La Mẫn Ninh Nghiêm Tống Từ Quan Lò Sùng Vàng Giàng Thào Mùa Lầu Vừ Hầu Sình Lù
    Chẻo Phàn Bàn Ma Tòng Cầm Quàng Lường Bế Đồng Viên Ông Thạch Danh Khổng Lạc Lại Lộc Mông Nhữ Phí Trình
    Ung Văn Kim Bạch Biện Cấn Chế Chử Diệp Dư Đào Đậu Đới Giáp Hàn Hán Hạ Hoa Khương Khúc Kiều Lạng Lò Mã
    Nghiêm Ngọ Ngư Nhan Ôn Phó Quản Sầm Sái Tào Thiều Tiêu Trang Tôn Văng Vy Xa Y""".split()
)
_SYLLABLE = re.compile(r"^[A-ZÀ-ỸĐ][a-zà-ỹđ]*$")
_UPPER_SYLLABLE = re.compile(r"^[A-ZÀ-ỸĐ]+$")
_NAME_SEPARATOR = re.compile(r"\s+[-–—]\s+|\s*[,;]\s*|\s+và\s+|\s+&\s+")
_SOURCE = re.compile(r"^\(?\s*(?:(?:nguồn(?:\s+tin)?|source)\s*[:：]\s*(?P<labelled>.+?)|theo\s+(?P<theo>.+?))\s*\)?\s*\.?$", re.I)
_AUTHOR_LABEL = re.compile(
    r"^\(?\s*(?:tác giả|người viết|bài viết|bài\s*(?:,|và|&)?\s*ảnh|tin\s*(?:,|và|&)?\s*ảnh|tin\s*(?:,|và|&)?\s*bài|tin|bài|thực hiện|"
    r"nhóm phóng viên|phóng viên|cộng tác viên|ctv|pv|btv)\s*[:：]\s*(?P<name>[^:]{2,80}?)\s*\)?\s*\.?$",
    re.I,
)
_REPORTER = re.compile(r"^(?:[Nn]hóm\s+)?(?:PV|P\.V|CTV|BTV)(?:\s*[-–,&/]\s*(?:PV|CTV|BTV|TTXVN))*\.?$")
_TRAILING_PARENTHESIS = re.compile(r"\s*\([^()]{2,60}\)\s*$")
# Lowercase roles that may follow a name ("Nguyễn Văn A - phóng viên").
_ROLE_WORDS = ("phóng viên", "cộng tác viên", "biên tập viên", "giáo viên", "học sinh", "sinh viên", "cán bộ", "chuyên viên")
# Capitalised short phrases that end articles but are no names.
_NOT_A_NAME = re.compile(r"^(?:Ban|Phòng|Sở|Văn Phòng|Trung Tâm|Hội|Ủy Ban|Uỷ Ban|Huyện|Tỉnh|Xã|Trường|Công|Đảng|Đoàn|Chi|Tổ|Nhóm|Xin|Trân|Kính|Cảm|Chúc|Việt Nam|Hà Nội|Thành Phố)\b")
_BRACKETED_TAIL = re.compile(r"\(([^()]{2,100})\)\s*\.?\s*$")
_DOMAIN = re.compile(r"\b[\w-]+\.(?:vn|com|net|org|gov)\b", re.I)
_SENTENCE_END = re.compile(r"[!?…]\s*$|\.\s+\S")


# An author named inside a meta line ("Tác giả: Nguyễn Văn A | Ngày đăng: 24/05/2021 | Lượt xem: 12").
_AUTHOR_IN_LINE = re.compile(
    r"(?:tác giả|người viết|viết bởi|bài\s*(?:,|và)\s*ảnh|tin\s*(?:,|và)\s*ảnh|thực hiện)\s*[:：]?\s*(?P<name>[^|:;\d()]{2,60}?)\s*(?=$|[|;(]|\s[-–]\s|ngày|cập nhật|lượt xem|\d)",
    re.I,
)


def author_in_line(text: str | None) -> str | None:
    """The author a labelled meta line names, if any."""
    match = _AUTHOR_IN_LINE.search(normalize_text(text))
    name = match.group("name").strip(" .,-–") if match else ""
    return name or None


@dataclass
class Byline:
    """What the end of the body said about its author and its source."""

    author: str | None = None
    source: str | None = None


def take_byline(body: HtmlElement) -> Byline:
    """Read and remove the byline/source lines at the end of ``body`` (in place)."""
    found = Byline()
    for _ in range(_LINES_MAX):
        block = _last_block(body)
        if block is None:
            break
        if block.tag in {"td", "th"} or any(a.tag == "table" for a in block.iterancestors()):
            break  # the last cell of a table (a list of people, a signature block) is no byline
        lines = paragraphs(block)
        if not lines:
            break  # text only in skipped markup (a script, a form field)
        line = lines[-1]
        kind, value = classify(line, after_image=len(lines) == 1 and _follows_image(block),
                               emphasised=len(lines) == 1 and _set_apart(block))
        if kind is None:
            match = _BRACKETED_TAIL.search(line)
            if match is None or match.start() == 0:
                break
            kind, value = classify(match.group(1), bracketed=True)
            if kind is None:
                break
            line = line[match.start():]
        if getattr(found, kind) is not None:
            break  # a second byline: not ours to merge
        setattr(found, kind, value)
        _trim_end(block, len(_visible(line)))
        if not normalize_text(block.text_content()):
            drop(block)
    return found


def classify(line: str, *, bracketed: bool = False, after_image: bool = False, emphasised: bool = False) -> tuple[str | None, str | None]:
    """``("source", name)``, ``("author", name)`` or ``(None, None)`` for one line of text.

    ``emphasised`` (the line is bold/italic or aligned right/centre) and ``bracketed`` lines may
    be a pen name with no family name ("Thu Hà", "(Minh Anh)"); a bare line must be a full name.
    """
    line = normalize_text(line)
    if not line or len(line) > LINE_MAX:
        return None, None
    source = _SOURCE.match(line)
    if source:
        value = (source.group("labelled") or source.group("theo") or "").strip(" .()")
        if source.group("labelled") or _looks_like_source(value, bracketed or line.startswith("(")):
            return "source", value
    if bracketed:
        line = line.strip()
    labelled = _AUTHOR_LABEL.match(line)
    if labelled:
        return "author", labelled.group("name").strip(" .")
    if _REPORTER.match(line):
        return "author", line.rstrip(".")
    if not after_image and is_byline(line.rstrip(". "), pen_name=emphasised or bracketed):
        return "author", line.rstrip(". ")
    return None, None


def is_byline(text: str, *, pen_name: bool = False) -> bool:
    """One or two personal names, each optionally followed by a short role or office.

    "Nguyễn Văn A (Trung tâm Văn hóa huyện)" counts: a closing parenthesis is the role.
    """
    if _SENTENCE_END.search(text) or ":" in text:
        return False
    text = _TRAILING_PARENTHESIS.sub("", text)
    parts = [p for p in _NAME_SEPARATOR.split(text) if p]
    if not 1 <= len(parts) <= 4 or not is_person_name(parts[0], pen_name=pen_name):
        return False
    if sum(1 for part in parts if is_person_name(part)) > _NAMES_MAX:
        return False  # a list of people ("Nguyễn Văn An, Trần Thị Bình, Lê Văn Cường") ends the text, not a byline
    for part in parts[1:]:
        words = part.split()
        if not words or len(words) > _ROLE_WORDS_MAX:
            return False
        if not (words[0][0].isupper() or part.lower().startswith(_ROLE_WORDS)):
            return False
    return True


def is_person_name(text: str, *, pen_name: bool = False) -> bool:
    """2–5 capitalised syllables (or all in capitals) starting with a Vietnamese family name.

    A ``pen_name`` (a line set apart by emphasis, alignment or brackets) may be 2–4 capitalised
    syllables without a family name ("Thu Hà").
    """
    words = text.split()
    if not 2 <= len(words) <= 5:
        return False
    if all(_UPPER_SYLLABLE.match(w) for w in words):
        words = [w[0] + w[1:].lower() for w in words]
    if not all(_SYLLABLE.match(w) for w in words):
        return False
    return words[0] in SURNAMES or (pen_name and len(words) <= 4 and not _NOT_A_NAME.match(" ".join(words)))


def _looks_like_source(value: str, bracketed: bool) -> bool:
    """"Theo Báo Hà Giang", "Theo TTXVN", "(Theo baochinhphu.vn)" — not "Theo kế hoạch, …"."""
    words = value.split()
    if not words or len(words) > 8 or any(ch in value for ch in ",;:"):
        return False
    return bool(_DOMAIN.search(value)) or words[0][0].isupper() and (bracketed or len(words) <= 6)


def _last_block(body: HtmlElement) -> HtmlElement | None:
    """The last block of the body that holds text and no block with text of its own."""
    last = None
    for element in body.iter():
        if not isinstance(element.tag, str) or element.tag in {"script", "style"}:
            continue
        if element is not body and element.tag not in BLOCK_TAGS and element.tag not in {"td", "th"}:
            continue
        if normalize_text(element.text_content()):
            last = element
    if last is None:
        return None
    # A paragraph's text may end outside it (a tail after the last block): the body itself then.
    node = last
    while node is not body:
        if normalize_text(node.tail or ""):
            return node.getparent()
        node = node.getparent()
    return last


def _set_apart(block: HtmlElement) -> bool:
    """True for a line in bold/italic throughout, or aligned right or centre (how bylines are set)."""
    for node in (block, *block.iterancestors()):
        style = (node.get("style") or "").replace(" ", "").lower()
        if "text-align:right" in style or "text-align:center" in style or (node.get("align") or "").lower() in {"right", "center"}:
            return True
        if node.tag in {"p", "div", "td", "li"}:
            break
    text = "".join(normalize_text(block.text_content()).split())
    marked = "".join("".join(normalize_text(e.text_content()).split()) for e in block.iter("b", "strong", "i", "em")
                     if not any(a.tag in {"b", "strong", "i", "em"} for a in e.iterancestors() if a is not block))
    return bool(text) and len(marked) >= len(text)


def _follows_image(block: HtmlElement) -> bool:
    """True when the block comes right after an image (its caption, not a byline)."""
    previous = block.getprevious()
    while previous is not None and not isinstance(previous.tag, str):
        previous = previous.getprevious()
    if previous is None:
        return False
    return previous.tag == "img" or next(previous.iter("img"), None) is not None and not normalize_text(previous.text_content())


def _visible(text: str) -> str:
    return "".join(text.split())


def _trim_end(element: HtmlElement, count: int) -> None:
    """Remove the last ``count`` non-space characters of ``element``'s text (its tail kept)."""
    slots = list(_text_slots(element))
    for node, attribute in reversed(slots):
        if count <= 0:
            break
        value = getattr(node, attribute) or ""
        kept = list(value)
        while kept and count > 0:
            ch = kept.pop()
            if not ch.isspace():
                count -= 1
        setattr(node, attribute, "".join(kept) or None)
    _drop_trailing_breaks(element)


def _text_slots(element: HtmlElement):
    """(node, "text"/"tail") in document order, the element's own tail left out."""
    yield element, "text"
    for child in element:
        if isinstance(child.tag, str) and child.tag not in {"script", "style"}:
            yield from _text_slots(child)
        yield child, "tail"


def _drop_trailing_breaks(element: HtmlElement) -> None:
    """``<br>`` and empty inline elements left at the end once a last line is cut off."""
    while len(element):
        last = element[-1]
        if normalize_text(last.tail or ""):
            break
        if isinstance(last.tag, str) and (last.tag == "br" or (not normalize_text(last.text_content()) and next(last.iter("img"), None) is None)):
            element.remove(last)
            continue
        if isinstance(last.tag, str) and len(last):
            _drop_trailing_breaks(last)
        break
