"""Control characters leave every field, whatever plane they are in (crawler/extract/finish.py)."""

from __future__ import annotations

import pytest

from crawler.extract.finish import strip_controls

ASTRAL_NONCHARACTERS = [chr(plane << 16 | low) for plane in range(1, 17) for low in (0xFFFE, 0xFFFF)]


@pytest.mark.parametrize("keep_lines", [True, False])
def test_noncharacters_of_every_plane_go_and_astral_letters_stay(keep_lines):
    text = "Đại biểu 😀 𠀀" + "".join(ASTRAL_NONCHARACTERS) + "\x01\ufffe\ud800 quận"
    assert strip_controls(text, keep_lines=keep_lines) == "Đại biểu 😀 𠀀 quận"


def test_a_text_without_astral_characters_keeps_lines_and_loses_controls():
    assert strip_controls("Tiêu đề\r\n\tdòng\x7f hai\x85", keep_lines=True) == "Tiêu đề\n\tdòng hai"
    assert strip_controls("Tiêu đề\r\n\tdòng\x7f hai\x85") == "Tiêu đề dòng hai"
