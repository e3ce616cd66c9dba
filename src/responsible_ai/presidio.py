"""Adapter: presidio-analyzer as a `responsible_ai.Detector`, for names and addresses in
free text (NER). Install with ``pip install 'responsible-ai-policy[presidio]'``.

```python
from responsible_ai.presidio import PresidioAnalyzerDetector

ner = PresidioAnalyzerDetector.from_spacy(spacy.load("en_core_web_lg"))
guard = rai.Guard(policy, detectors=[ner])
```

Structured identifiers are better left to the built-in detectors (faster, validated):
by default the adapter asks presidio only for the NER entity types.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ._errors import ConfigurationError
from ._pii import Finding

__all__ = ["DEFAULT_ENTITIES", "PresidioAnalyzerDetector"]

DEFAULT_ENTITIES: tuple[str, ...] = ("PERSON", "LOCATION", "NRP")
"""What the adapter asks presidio for unless `entities=` says otherwise: people, places,
and nationalities or religious and political groups (NRP). A policy may name
ORGANIZATION too, for a detector that reports it."""


class PresidioAnalyzerDetector:
    """Runs a presidio-analyzer `AnalyzerEngine` and reports its results as findings."""

    def __init__(
        self,
        analyzer: Any,
        *,
        entities: Sequence[str] | None = DEFAULT_ENTITIES,
        language: str = "en",
        name: str = "presidio",
    ) -> None:
        self.analyzer = analyzer
        self.entities = list(entities) if entities is not None else None
        self.language = language
        self.name = name

    @classmethod
    def from_spacy(
        cls, nlp: Any, *, language: str = "en", entities: Sequence[str] | None = DEFAULT_ENTITIES
    ) -> PresidioAnalyzerDetector:
        """Build the analyzer around a spaCy pipeline you already have (nothing is
        downloaded)."""
        try:
            from presidio_analyzer import AnalyzerEngine
            from presidio_analyzer.nlp_engine import SpacyNlpEngine
        except ImportError:
            raise ConfigurationError(
                "the presidio adapter needs presidio-analyzer: "
                "pip install 'responsible-ai-policy[presidio]'"
            ) from None
        model = {"lang_code": language, "model_name": str(nlp.meta.get("name", "custom"))}
        engine: Any = SpacyNlpEngine(models=[model])
        engine.nlp = {language: nlp}  # use the given pipeline; skip presidio's loader
        analyzer = AnalyzerEngine(nlp_engine=engine, supported_languages=[language])
        return cls(analyzer, language=language, entities=entities)

    def detect(self, text: str) -> Iterator[Finding]:
        for r in self.analyzer.analyze(text=text, entities=self.entities, language=self.language):
            yield Finding(r.entity_type, r.start, r.end, float(r.score), self.name)
