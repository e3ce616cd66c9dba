"""Visible labels for deployers (AI Act Art. 50(4)): the disclosure to show at a reader's
first exposure to AI-made text published to inform the public, with a reference to the
common EU icon — and none where a person's editorial review is recorded.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["EU_ICON", "Label", "label_for"]

EU_ICON = "eu-ai-act-art50-ai-generated"
"""The reference a page uses for the EU's common AI-content icon (the Code of Practice's
interim "AI" mark until the Commission's icon is published); deployers map it to the
image they ship."""

DEFAULT_TEXT = "This text was generated with artificial intelligence."


@dataclass(frozen=True, slots=True)
class Label:
    """A label to show before the text: its words, the icon reference, and where."""

    text: str
    icon: str = EU_ICON
    placement: str = "first-exposure"

    def html(self) -> str:
        """A small accessible element (``role="note"``) carrying the label."""
        return (
            f'<p class="ai-label" role="note" data-icon="{html.escape(self.icon)}">'
            f"{html.escape(self.text)}</p>"
        )


def label_for(disclosure: str | None, review: Mapping[str, Any] | None = None) -> Label | None:
    """The label for a text, or None when a person's editorial review is recorded (an
    approval or an edit under someone's editorial responsibility)."""
    if (
        review
        and review.get("editorial_responsibility")
        and review.get("status")
        in (
            "approved",
            "edited",
        )
    ):
        return None
    return Label(disclosure or DEFAULT_TEXT)
