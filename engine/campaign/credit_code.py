"""The unified social credit code (统一社会信用代码, GB 32100-2015) and its check character.

An 18-character code: registration authority (1), organisation category (1), administrative
division (6 digits), organisation code (9, GB 11714) and one check character computed over the
first 17 with weights 3^i mod 31. The alphabet is the digits and the upper-case letters without
I, O, S, V and Z. Only the standard's own check character is verified: the embedded GB 11714
organisation code has its own check digit, but codes of individual businesses (个体工商户) are not
bound to it, so enforcing it would refuse real registrations.
"""
from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {char: index for index, char in enumerate(ALPHABET)}
LENGTH = 18


def check_char(first17: str) -> str:
    """The check character (18th) for the first 17 characters of a code.

    Raises:
        ValueError: when the input is not 17 characters of the code alphabet.
    """
    if len(first17) != LENGTH - 1 or any(char not in _VALUE for char in first17):
        raise ValueError(f"need 17 characters from {ALPHABET!r}, got {first17!r}")
    total = sum(_VALUE[char] * weight for char, weight in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    """True when `code` is an 18-character credit code (upper case) whose check character matches."""
    if not isinstance(code, str) or len(code) != LENGTH:
        return False
    if any(char not in _VALUE for char in code) or not code[2:8].isdigit():
        return False
    return check_char(code[:17]) == code[17]
