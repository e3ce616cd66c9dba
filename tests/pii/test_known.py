"""Known client values: a record's name, parts and variants, fields, 100,000 values in one pass."""

from __future__ import annotations

import responsible_ai as rai
from responsible_ai._entities import BUILTIN_ENTITIES
from responsible_ai._policy import PiiSettings

from .conftest import JANE, entities


class TestKnownValues:
    def test_case_and_whitespace_insensitive(self) -> None:
        """A record's values match in any case and across runs of whitespace."""
        red = rai.Redactor().redact(
            "JANE\n   roe wrote from JANE@ROE.EXAMPLE about acc-0042-77", subject=JANE
        )
        assert entities(red) == ["PERSON", "EMAIL_ADDRESS", "ACCOUNT_NUMBER"]
        assert "jane" not in red.text.lower() and "0042" not in red.text

    def test_first_or_surname_alone(self) -> None:
        """The first name or surname alone is matched, on word boundaries only."""
        text = "Jane called. Ms Roe asked; Janet and Roessler did not."
        structured = PiiSettings.model_validate({"entities": list(BUILTIN_ENTITIES)})
        red = rai.Redactor(structured).redact(text, subject=JANE)
        assert red.text == "<PERSON_1> called. Ms <PERSON_1> asked; Janet and Roessler did not."
        # with the name detector on, the record still wins on its own words ("Ms Roe" is
        # the record's person, not a new one); Janet is somebody else
        red = rai.Redactor().redact(text, subject=JANE)
        assert red.text.startswith("<PERSON_1> called. Ms <PERSON_1> asked; <PERSON_2> and ")

    def test_variants_share_a_placeholder(self) -> None:
        """Every spelling of a record's name is one placeholder."""
        red = rai.Redactor().redact("Jane Roe, Roe, Jane and J. Roe", subject=JANE)
        assert red.text == "<PERSON_1>, <PERSON_1> and <PERSON_1>"

    def test_free_fields(self) -> None:
        """A record's free fields are found under their upper-cased key as entity type."""
        record = rai.ClientRecord(name="Li Wei", fields={"employer": "Northwind Traders"})
        red = rai.Redactor().redact("Li works at northwind  traders.", subject=record)
        assert red.text == "<PERSON_1> works at <EMPLOYER_1>."

    def test_a_dotted_capital_i_reads_as_i(self) -> None:
        """A record's value matches where the text writes its "I" as a Turkish "İ"."""
        record = rai.ClientRecord(name="Ilker Demir")
        red = rai.Redactor().redact("Ask İlker about it.", subject=record)
        assert red.text == "Ask <PERSON_1> about it." and red.findings[0].detector == "known"

    def test_record_repr_shows_no_value(self) -> None:
        """A record's repr holds no value."""
        assert "Jane" not in repr(JANE) and "roe" not in repr(JANE)

    def test_100k_values_one_pass(self) -> None:
        """100,000 known values match in one pass; the text's cost does not grow with them."""
        records = [
            rai.ClientRecord(name=f"Client{i} Surname{i}", account_numbers=[f"ACCT{i:07d}"])
            for i in range(50_000)
        ]
        known = rai.KnownValues(records)
        assert len(known) >= 100_000
        r = rai.Redactor(known=known)
        red = r.redact("Ask client31337 surname31337 about ACCT0049999 today.")
        assert red.text == "Ask <PERSON_1> about <ACCOUNT_NUMBER_1> today."
