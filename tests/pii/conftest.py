"""What the PII tests share: a client record and the entity types of a redaction."""

from __future__ import annotations

import responsible_ai as rai

JANE = rai.ClientRecord(
    name="Jane Roe", emails=["jane@roe.example"], account_numbers=["ACC-0042-77"]
)


def entities(red: rai.Redaction) -> list[str]:
    """The entity types of a redaction's findings, in text order."""
    return [f.entity_type for f in red.findings]
