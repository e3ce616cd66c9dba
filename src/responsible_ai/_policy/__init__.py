"""The policy file: its models, how it is read and validated, and the use-case tag rule.

``_tags`` (the tag rule) and ``_issues`` (error formatting) are the leaves; ``_model``
holds the sections, ``_load`` reads a file into a document, ``_references`` checks
across sections, and ``_root`` ties them into `Policy` and `load_policy`.
"""

from ._evidence import (
    RECORD_KINDS,
    RETENTION_FLOOR_DAYS,
    SEVERITIES,
    EvidenceSettings,
    IncidentClock,
    IncidentSettings,
    Retention,
    check_store_url,
)
from ._issues import MAX_ISSUES
from ._load import (
    MAX_DEPTH,
    MAX_POLICY_BYTES,
    POLICY_ENV,
    POLICY_SHA256_ENV,
    canonical_sha256,
    no_duplicate_keys,
)
from ._model import (
    FORBIDDEN_HEADERS,
    CustomDetector,
    DataClass,
    DataClassName,
    EntityName,
    Fallback,
    MaskSettings,
    Name,
    Operator,
    PiiRule,
    PiiSettings,
    PolicyMeta,
    Provider,
    RetrySettings,
    Tag,
    Tier,
    UseCaseRule,
    UseCases,
    check_base_url,
)
from ._root import Policy, load_policy
from ._tags import TAG_PATTERN, covers, parents

__all__ = [
    "FORBIDDEN_HEADERS",
    "MAX_DEPTH",
    "MAX_ISSUES",
    "MAX_POLICY_BYTES",
    "POLICY_ENV",
    "POLICY_SHA256_ENV",
    "RECORD_KINDS",
    "RETENTION_FLOOR_DAYS",
    "SEVERITIES",
    "TAG_PATTERN",
    "CustomDetector",
    "DataClass",
    "DataClassName",
    "EntityName",
    "EvidenceSettings",
    "Fallback",
    "IncidentClock",
    "IncidentSettings",
    "MaskSettings",
    "Name",
    "Operator",
    "PiiRule",
    "PiiSettings",
    "Policy",
    "PolicyMeta",
    "Provider",
    "Retention",
    "RetrySettings",
    "Tag",
    "Tier",
    "UseCaseRule",
    "UseCases",
    "canonical_sha256",
    "check_base_url",
    "check_store_url",
    "covers",
    "load_policy",
    "no_duplicate_keys",
    "parents",
]
