"""Masking of personal data in public output."""

from __future__ import annotations

import pytest

from api.masking import mask_id_number, mask_name


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("11010519491231002X", "110105********002X"),
        ("440524188001010014", "440524********0014"),
        ("110105491231002", "110105*****1002"),  # 15-digit legacy number
        ("U3f9a2c", "U******"),  # surrogate keys are hidden
        ("12345", "1****"),
        ("", ""),
    ],
)
def test_mask_id_number(value: str, masked: str) -> None:
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张伟", "张*"),
        ("王小明", "王**"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳", "欧*"),  # a two-character name is never all surname
        ("阿卜杜·热合曼", "阿******"),
        ("JOHN SMITH", "JOHN *****"),
        ("", ""),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked
