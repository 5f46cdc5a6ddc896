"""argparse types that reject out-of-range values with the range in the message."""

from __future__ import annotations

import argparse


def fraction(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a fraction strictly between 0 and 1")
    return value


def similarity(text: str) -> float:
    """A similarity threshold in (0, 1]: 1 links only identical items."""
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not in (0, 1] (1 groups only songs with identical line sets)")
    return value


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative; give 0 or more")
    return value


def ratio(text: str) -> float:
    """A share in [0, 1): warm-up ratios, dropout."""
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not in [0, 1)")
    return value


def at_least_two(text: str) -> int:
    value = int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"{text} is below 2 (a block needs a token and its successor)")
    return value
