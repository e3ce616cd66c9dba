"""The sections of the policy file as pydantic models: `[policy]`, `[[providers]]`,
`[pii]`, `[use_cases]` and `[retry]` (the root that holds them is `Policy`)."""

from __future__ import annotations

import enum
import fnmatch
import ipaddress
import os
import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from .._entities import BUILTIN_ENTITIES, KNOWN_VALUE_ENTITIES, NER_ENTITIES
from .._errors import ConfigurationError
from .._regex import compile_linear
from ._issues import short
from ._tags import TAG_PATTERN

__all__ = [
    "FORBIDDEN_HEADERS",
    "Access",
    "AccessRule",
    "CustomDetector",
    "DataClass",
    "DataClassName",
    "EntityName",
    "Fallback",
    "LimitRule",
    "Limits",
    "MaskSettings",
    "Name",
    "Operator",
    "PiiRule",
    "PiiSettings",
    "PolicyMeta",
    "Price",
    "Provider",
    "RetrySettings",
    "StateSettings",
    "StrictModel",
    "Tag",
    "Tier",
    "UseCaseRule",
    "UseCases",
    "check_base_url",
]

Tag = Annotated[str, StringConstraints(pattern=TAG_PATTERN, max_length=200)]
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)]


class DataClass(enum.IntEnum):
    """How sensitive the data of a call is; a higher class may go to fewer places."""

    PUBLIC = 0
    INTERNAL = 1
    CONFIDENTIAL = 2
    RESTRICTED = 3

    @classmethod
    def parse(cls, value: DataClass | str) -> DataClass:
        if isinstance(value, DataClass):
            return value
        try:
            return cls[value.upper()]
        except KeyError:
            names = ", ".join(m.name.lower() for m in cls)
            raise ConfigurationError(
                f"unknown data class {value!r}; expected one of {names}"
            ) from None

    @property
    def label(self) -> str:
        return self.name.lower()


DataClassName = Literal["public", "internal", "confidential", "restricted"]
Tier = Literal["free", "subscription", "enterprise"]


class StrictModel(BaseModel):
    """The base of the policy's models: unknown keys refused, values immutable and strict."""

    # strict: "off" is not False and "60" is not 60 (a typo must not read as a setting)
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, strict=True)


class PolicyMeta(StrictModel):
    """The `[policy]` table: identity of the policy and global switches."""

    id: Name
    version: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    description: str | None = None
    owner: str | None = None
    disclosure: str | None = None
    allow_free_tiers: bool = True
    require_zero_data_retention: bool = False
    allowed_regions: list[str] | None = None
    default_data_class: DataClassName = "internal"


# headers a policy file must not set: credentials (they belong in the environment) and
# what the HTTP layer owns
FORBIDDEN_HEADERS = frozenset({
    "authorization", "proxy-authorization", "x-api-key", "api-key", "cookie", "host",
    "content-length", "content-type", "content-encoding", "transfer-encoding", "accept",
    "accept-encoding", "connection", "te", "upgrade", "anthropic-version", "forwarded",
    "traceparent", "tracestate", "ai-provenance", "x-rai-use-case",
})  # fmt: skip
# names that say credential, wherever they appear in a header name
_SECRET_HEADER = re.compile(r"key|token|secret|auth|passw|signature|session|credential", re.I)
_HEADER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")
_HEADER_VALUE = re.compile(r"[\x20-\x7e\t]*")
_LOOPBACK_NAMES = frozenset({"localhost"})


def check_base_url(value: str, *, allow_http: bool = False) -> str:
    """A provider URL the library will send prompts to: ``https`` (plain ``http`` only to
    a loopback address: a local model server), a host, no user name or password, no
    query or fragment (where secrets hide), no control characters."""
    if any(ord(c) < 33 or c == "\\" for c in value):
        raise ValueError("a URL without spaces, control characters or backslashes")
    try:
        url = urlsplit(value)
        port = url.port
    except ValueError:
        raise ValueError("a URL such as 'https://api.openai.com/v1'") from None
    if url.scheme not in ("https", "http") or not url.hostname:
        raise ValueError("an https URL with a host, such as 'https://api.openai.com/v1'")
    if url.username is not None or url.password is not None or "@" in url.netloc:
        raise ValueError("a URL without a user name or password (credentials go in api_key_env)")
    if url.query or url.fragment or "?" in value or "#" in value:
        raise ValueError("a URL without a query or fragment (credentials go in api_key_env)")
    if port == 0:
        raise ValueError("a URL with a real port")
    if url.scheme == "http" and not allow_http and not _is_loopback(url.hostname):
        raise ValueError(
            "an https URL: plain http is allowed only to a loopback address (127.0.0.1, ::1, "
            "localhost), or with allow_http = true on the provider"
        )
    return value


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Fallback(StrictModel):
    """Another approved provider to use when this one stays unavailable."""

    provider: Name
    model: str | None = None


class Provider(StrictModel):
    """One approved provider: where it is, which models, how sensitive data may be."""

    name: Name
    kind: Literal["openai", "anthropic"]
    allow_http: bool = False  # plain http to a host that is not loopback: only if said here
    base_url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s/]+.*$")]
    models: Annotated[list[Annotated[str, StringConstraints(min_length=1)]], Field(min_length=1)]
    api_key_env: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] | None = (
        None
    )
    tier: Tier
    max_data_class: DataClassName = "internal"
    region: str | None = None
    zero_data_retention: bool = False
    timeout_s: Annotated[float, Field(gt=0, le=3600)] = 60.0
    connect_timeout_s: Annotated[float, Field(gt=0, le=600)] = 5.0
    headers: dict[str, str] = Field(default_factory=dict)
    fallback: Fallback | None = None

    _exact: frozenset[str] = PrivateAttr()

    @field_validator("base_url")
    @classmethod
    def _safe_url(cls, value: str, info: ValidationInfo) -> str:
        return check_base_url(value, allow_http=bool(info.data.get("allow_http")))

    @field_validator("headers")
    @classmethod
    def _no_secret_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not _HEADER_NAME.fullmatch(name):
                raise ValueError(f"a header name (letters, digits, '-'), got {short(name)}")
            if name.lower() in FORBIDDEN_HEADERS or _SECRET_HEADER.search(name):
                raise ValueError(
                    f"no {name!r} header: credentials come from api_key_env, never from the "
                    "policy file, and protocol headers are the library's"
                )
            if not _HEADER_VALUE.fullmatch(text):
                raise ValueError(f"a header value of printable ASCII on one line ({name!r})")
        lowered = [n.lower() for n in value]
        if len(set(lowered)) != len(lowered):
            raise ValueError("each header once (header names are case-insensitive)")
        return value

    _glob: re.Pattern[str] | None = PrivateAttr()

    def model_post_init(self, context: Any, /) -> None:
        exact = {m for m in self.models if not any(c in m for c in "*?[")}
        globs = [fnmatch.translate(m) for m in self.models if m not in exact]
        self._exact = frozenset(exact)
        self._glob = re.compile("|".join(f"(?:{g})" for g in globs)) if globs else None

    def allows_model(self, model: str) -> bool:
        """True when `model` is on the allow-list (an exact name or a glob such as ``gpt-4o*``)."""
        if model in self._exact:
            return True
        return self._glob is not None and self._glob.match(model) is not None

    @property
    def data_class(self) -> DataClass:
        return DataClass.parse(self.max_data_class)

    def api_key(self) -> SecretStr | None:
        """The key, read from `api_key_env` at call time; never stored in the policy."""
        if self.api_key_env is None:
            return None
        value = os.environ.get(self.api_key_env)
        if not value:
            raise ConfigurationError(
                f"provider {self.name!r} needs an API key in the environment variable "
                f"{self.api_key_env}, which is not set"
            )
        return SecretStr(value)


Operator = Literal["replace", "mask", "hash", "encrypt", "redact", "block", "keep"]
EntityName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$", max_length=64)]


class CustomDetector(StrictModel):
    """A detector from the policy file: a regex (run by RE2, in linear time), an optional
    checksum, context words that raise its score."""

    name: EntityName
    regex: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    validator: Literal["luhn", "mod97", "iban", "ssn"] | None = None
    context: list[str] = Field(default_factory=list)
    score: Annotated[float, Field(ge=0, le=1)] = 0.8

    @field_validator("regex")
    @classmethod
    def _linear(cls, value: str) -> str:
        compile_linear(value)  # raises ValueError saying why
        return value


class MaskSettings(StrictModel):
    """How the `mask` operator masks: every character by default."""

    masking_char: Annotated[str, StringConstraints(min_length=1, max_length=1)] = "*"
    chars_to_mask: Annotated[int, Field(ge=1)] | None = None
    from_end: bool = False


_AllowTerms = Annotated[
    list[Annotated[str, StringConstraints(min_length=1, max_length=200)]],
    Field(max_length=10_000),
]


def _allow_by_type(value: Any) -> Any:
    """`pii.allow` as a list holds for the three name types."""
    if isinstance(value, list):
        return dict.fromkeys(("PERSON", "LOCATION", "ORGANIZATION"), value)
    return value


class PiiSettings(StrictModel):
    """The `[pii]` table: what is redacted before a prompt leaves, and how."""

    enabled: bool = True
    threshold: Annotated[float, Field(ge=0, le=1)] = 0.5
    entities: list[EntityName] | None = None
    default_operator: Operator = "replace"
    operators: dict[EntityName, Operator] = Field(default_factory=dict)
    reversible: bool = True
    restore: bool = False
    restore_tools: list[Annotated[str, StringConstraints(min_length=1, max_length=128)]] = Field(
        default_factory=list
    )
    output: Literal["report", "mask", "block"] = "report"
    non_text: Literal["refuse", "pass"] = "refuse"
    upstream_capture: Literal["warn", "refuse", "allow"] = "warn"
    mask: MaskSettings = Field(default_factory=MaskSettings)
    hash_salt_env: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] | None = (
        None
    )
    encrypt_key_env: (
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] | None
    ) = None
    detectors: list[CustomDetector] = Field(default_factory=list)
    allow: Annotated[
        dict[Literal["PERSON", "LOCATION", "ORGANIZATION"], _AllowTerms],
        BeforeValidator(_allow_by_type),
    ] = Field(default_factory=dict)
    """Names never redacted on their own, matched whole and in any case: the company's
    own name, product names, public figures. A list holds for the three name types; a
    table says which (``LOCATION = ["Lyon"]``: the town, not Ms Lyon). Only names found
    as names are let through: an identifier (a card, an e-mail) never is, and a client
    record's values are redacted all the same."""
    extra_entities: list[EntityName] = Field(default_factory=list)
    """Entity types a plugged-in detector or a client record's own fields report, which
    `entities` and `operators` may then name (any other unknown name is an error)."""

    def known_entities(self) -> list[str]:
        """Every entity name this policy may use, in a stable order."""
        names = [*BUILTIN_ENTITIES, *KNOWN_VALUE_ENTITIES, *NER_ENTITIES]
        names += [d.name for d in self.detectors] + list(self.extra_entities)
        return list(dict.fromkeys(names))


class PiiRule(StrictModel):
    """Per-use-case PII settings; each key set here overrides `[pii]` for that tag."""

    default_operator: Operator | None = None
    operators: dict[EntityName, Operator] = Field(default_factory=dict)
    restore: bool | None = None
    restore_tools: list[Annotated[str, StringConstraints(min_length=1, max_length=128)]] | None = (
        None
    )
    output: Literal["report", "mask", "block"] | None = None


class UseCaseRule(StrictModel):
    """Rules for one use-case tag; they apply to the tag and every tag below it."""

    description: str | None = None
    blocked: bool = False
    requires_review: bool = False
    requires_consent: bool = False
    max_data_class: DataClassName | None = None
    allowed_providers: list[Name] | None = None
    pii: PiiRule | None = None


class UseCases(StrictModel):
    """The `[use_cases]` table."""

    default: Literal["allow", "deny"] = "deny"
    blocked: list[Tag] = Field(default_factory=list)
    rules: dict[Tag, UseCaseRule] = Field(default_factory=dict)


HostName = Annotated[
    str,
    StringConstraints(
        pattern=r"^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$",
        max_length=253,
    ),
]
"""A lower-case DNS name; ``*.example.com`` stands for every name under example.com."""


class EgressSettings(StrictModel):
    """The `[egress]` table: AI API hosts, besides the list the library ships, that no
    request may reach unless a provider of the policy is at that address."""

    ai_hosts: list[HostName] = Field(default_factory=list)


ChannelName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
"""A publication channel's name (``web``, ``sms``, ``crm.notes``)."""


class CredentialSettings(StrictModel):
    """``[provenance.credentials]``: which outputs carry a C2PA manifest (Content
    Credentials), how it travels, and the time-stamp authority that dates it. The key and
    chain come from ``RAI_C2PA_KEY`` / ``RAI_C2PA_CHAIN`` (PEM paths), never this file."""

    use_cases: list[Tag] = Field(default_factory=list)
    """Tags whose outputs are marked (a tag covers the tags below it)."""
    carrier: Literal["embedded", "sidecar", "header"] = "embedded"
    tsa_url: (
        Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$", max_length=2000)] | None
    ) = None
    label: bool = False
    """Deployers: add a visible label (the disclosure and the EU icon reference) to
    marked outputs that no person has reviewed."""
    channels: dict[ChannelName, Literal["embedded", "sidecar", "header"]] = Field(
        default_factory=dict
    )
    """The carrier of each channel the organisation publishes to (``sms = "sidecar"``);
    a call names its channel (``channel=``, or the ``x-rai-channel`` header) and gets
    that channel's carrier; a channel not listed here is an error."""


class ProvenanceSettings(StrictModel):
    """The ``[provenance]`` table."""

    credentials: CredentialSettings | None = None


class RetrySettings(StrictModel):
    """The `[retry]` table: bounded retries on 408/429/5xx and connection errors."""

    max_attempts: Annotated[int, Field(ge=1, le=10)] = 3
    max_total_s: Annotated[float, Field(gt=0, le=600)] = 30.0
    backoff_initial_s: Annotated[float, Field(ge=0, le=60)] = 0.5
    backoff_max_s: Annotated[float, Field(ge=0, le=300)] = 8.0
    retry_on_status: list[Annotated[int, Field(ge=400, le=599)]] = Field(
        default_factory=lambda: [408, 429, 500, 502, 503, 504]
    )
    respect_retry_after: bool = True


# -- who may call, how much, and where the shared state lives (the who and limits steps)

GroupName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,127}$")]
Course = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")]


class AccessRule(StrictModel):
    """Who may use a use case (the tag and every tag below it) or a provider. Every rule
    that matches a call must pass (the strictest wins). `roles` and `teams`, when set, each
    require one of theirs; `deny_*` refuse any of theirs; automations (principals with an
    owner) may be refused, or held to `automation_roles` too; `training` lists courses the
    principal must hold a valid record of. Any key here makes a principal required."""

    roles: list[GroupName] | None = None
    teams: list[GroupName] | None = None
    deny_roles: list[GroupName] = Field(default_factory=list)
    deny_teams: list[GroupName] = Field(default_factory=list)
    automations: Literal["allow", "deny"] = "allow"
    automation_roles: list[GroupName] | None = None
    training: list[Course] = Field(default_factory=list)


class Access(StrictModel):
    """The `[access]` table: whether every call needs a principal, and the access rules
    per use-case tag and per provider."""

    require_principal: bool = False
    use_cases: dict[Tag, AccessRule] = Field(default_factory=dict)
    providers: dict[Name, AccessRule] = Field(default_factory=dict)


class Price(StrictModel):
    """A model's price per million tokens (in the policy's currency) and its largest
    answer, which bounds the worst case of a call that sets no ``max_tokens``."""

    input_per_mtok: Annotated[float, Field(ge=0, le=1_000_000)]
    output_per_mtok: Annotated[float, Field(ge=0, le=1_000_000)]
    max_output_tokens: Annotated[int, Field(ge=1, le=10_000_000)]


class LimitRule(StrictModel):
    """A budget per window for a use case (the tag and every tag below it), counted per
    principal, per team (each of the principal's teams) or for the whole service. At least
    one of `requests`, `tokens`, `cost` and `units` (a count the caller declares, such as
    a campaign's recipients)."""

    use_case: Tag
    per: Literal["principal", "team", "service"]
    window_s: Annotated[int, Field(ge=1, le=31 * 86400)]
    requests: Annotated[int, Field(ge=0)] | None = None
    tokens: Annotated[int, Field(ge=0)] | None = None
    cost: Annotated[float, Field(ge=0, le=1e9)] | None = None
    units: Annotated[int, Field(ge=0)] | None = None

    def model_post_init(self, context: Any, /) -> None:
        if (self.requests, self.tokens, self.cost, self.units) == (None, None, None, None):
            raise ValueError("a limit needs at least one of requests, tokens, cost, units")


class Limits(StrictModel):
    """The `[limits]` table: prices, what an unpriced model counts, the lease margin and
    the rules. A model without a price is a choice: ``unpriced = "refuse"`` (the default)
    refuses it under a token or cost limit; ``"worst_case"`` counts
    `worst_case_output_tokens` and `worst_case_cost` per call."""

    unpriced: Literal["refuse", "worst_case"] = "refuse"
    worst_case_cost: Annotated[float, Field(ge=0, le=1e9)] | None = None
    worst_case_output_tokens: Annotated[int, Field(ge=1, le=10_000_000)] | None = None
    lease_margin_s: Annotated[float, Field(ge=0, le=3600)] = 30.0
    prices: dict[Annotated[str, StringConstraints(min_length=1, max_length=200)], Price] = Field(
        default_factory=dict
    )
    rules: list[LimitRule] = Field(default_factory=list)


class StateSettings(StrictModel):
    """The `[state]` table: the shared store (``redis://`` or ``valkey://``, without a
    password: that comes from ``RAI_STATE_URL``), what happens when it is unreachable
    (refuse, the default, or allow without counting), its time-out and key prefix."""

    url: str | None = None
    on_unreachable: Literal["refuse", "allow"] = "refuse"
    timeout_s: Annotated[float, Field(gt=0, le=30)] = 0.5
    prefix: Name = "rai"

    @field_validator("url")
    @classmethod
    def _no_secret(cls, value: str | None) -> str | None:
        if value is None:
            return value
        url = urlsplit(value)
        if url.scheme not in ("redis", "rediss", "valkey", "valkeys") or not url.hostname:
            raise ValueError("a redis:// or valkey:// URL with a host")
        if url.password is not None or url.username is not None:
            raise ValueError("a URL without credentials (put them in RAI_STATE_URL)")
        return value
