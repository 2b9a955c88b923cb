"""The unified social credit code check (GB 32100-2015)."""
import pytest

from engine.campaign.credit_code import ALPHABET, check_char, is_valid

# Real-world codes as published on business licences and in the national credit register.
REAL_CODES = [
    "91350100M000100Y43",  # the worked example of GB 32100-2015
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "914403001922038216",  # 华为技术有限公司
    "91110108551385082Q",  # 北京小米科技有限责任公司
    "91330100799655058B",
    "9111000071093123XX",  # check character X after an X in the organisation code
    "91110000710935003U",
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_world_codes_are_valid(code):
    assert is_valid(code)


@pytest.mark.parametrize("code", REAL_CODES)
def test_check_char_reproduces_the_published_check_character(code):
    assert check_char(code[:17]) == code[17]


def test_check_char_is_zero_when_the_weighted_sum_is_a_multiple_of_31():
    assert check_char("00000000000000000") == "0"


@pytest.mark.parametrize("position", range(18))
def test_every_single_character_substitution_is_detected(position):
    code = REAL_CODES[1]
    for char in ALPHABET:
        if char == code[position] or (2 <= position < 8 and not char.isdigit()):
            continue
        corrupted = code[:position] + char + code[position + 1:]
        assert not is_valid(corrupted), corrupted


SWAP_CODE = REAL_CODES[2]


@pytest.mark.parametrize("position", [i for i in range(17) if SWAP_CODE[i] != SWAP_CODE[i + 1]])
def test_swapping_two_neighbouring_characters_is_detected(position):
    code = SWAP_CODE
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2:]
    assert not is_valid(swapped)


@pytest.mark.parametrize("code", [
    "",
    "91440300708461136",  # 17 characters
    "91440300708461136TT",  # 19 characters
    "91440300708461136t",  # lower-case check character
    "91440300708461I36T",  # I is not in the alphabet
    "9144O300708461136T",  # O in the division code
    "914403007084611 6T",
    "9144A300708461136T",  # the division code must be digits
])
def test_malformed_codes_are_invalid(code):
    assert not is_valid(code)


def test_non_string_is_invalid():
    assert not is_valid(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("first17", ["", "9144030070846113", "91440300708461I36", "9144030070846113t"])
def test_check_char_refuses_malformed_input(first17):
    with pytest.raises(ValueError):
        check_char(first17)
