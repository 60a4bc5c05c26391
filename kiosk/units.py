"""Inches live only at the edges: the studio coaches in inches, the code thinks in metres."""
from __future__ import annotations

METRES_PER_INCH = 0.0254


def inches_to_m(inches: float) -> float:
    return inches * METRES_PER_INCH


def m_to_inches(metres: float) -> float:
    return metres / METRES_PER_INCH


def format_length(metres: float, unit: str = "in", decimals: int = 1) -> str:
    """A distance as the client sees it: '3.0 in' or '7.6 cm'."""
    if unit == "cm":
        return f"{metres * 100:.{decimals}f} cm"
    return f"{m_to_inches(metres):.{decimals}f} in"
