"""The policy file: pydantic models, loading (TOML, JSON, YAML), canonical hash, pinning."""

from __future__ import annotations

import enum
import fnmatch
import hashlib
import json
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
)

from ._errors import ConfigurationError, PolicyError, PolicyHashMismatch, PolicyIssue
from ._regex import compile_linear

__all__ = [
    "CustomDetector",
    "DataClass",
    "Fallback",
    "PiiRule",
    "PiiSettings",
    "Policy",
    "PolicyMeta",
    "Provider",
    "RetrySettings",
    "Tier",
    "UseCaseRule",
    "UseCases",
    "load_policy",
]

POLICY_ENV = "RAI_POLICY"
POLICY_SHA256_ENV = "RAI_POLICY_SHA256"

TAG_PATTERN = r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$"
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


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class PolicyMeta(_Model):
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


class Fallback(_Model):
    """Another approved provider to use when this one stays unavailable."""

    provider: Name
    model: str | None = None


class Provider(_Model):
    """One approved provider: where it is, which models, how sensitive data may be."""

    name: Name
    kind: Literal["openai", "anthropic"]
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


class CustomDetector(_Model):
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


class MaskSettings(_Model):
    """How the `mask` operator masks: every character by default."""

    masking_char: Annotated[str, StringConstraints(min_length=1, max_length=1)] = "*"
    chars_to_mask: Annotated[int, Field(ge=1)] | None = None
    from_end: bool = False


class PiiSettings(_Model):
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


class PiiRule(_Model):
    """Per-use-case PII settings; each key set here overrides `[pii]` for that tag."""

    default_operator: Operator | None = None
    operators: dict[EntityName, Operator] = Field(default_factory=dict)
    restore: bool | None = None
    restore_tools: list[Annotated[str, StringConstraints(min_length=1, max_length=128)]] | None = (
        None
    )
    output: Literal["report", "mask", "block"] | None = None


class UseCaseRule(_Model):
    """Rules for one use-case tag; they apply to the tag and every tag below it."""

    description: str | None = None
    blocked: bool = False
    requires_review: bool = False
    requires_consent: bool = False
    max_data_class: DataClassName | None = None
    allowed_providers: list[Name] | None = None
    pii: PiiRule | None = None


class UseCases(_Model):
    """The `[use_cases]` table."""

    default: Literal["allow", "deny"] = "deny"
    blocked: list[Tag] = Field(default_factory=list)
    rules: dict[Tag, UseCaseRule] = Field(default_factory=dict)


class RetrySettings(_Model):
    """The `[retry]` table: bounded retries on 408/429/5xx and connection errors."""

    max_attempts: Annotated[int, Field(ge=1, le=10)] = 3
    max_total_s: Annotated[float, Field(gt=0, le=600)] = 30.0
    backoff_initial_s: Annotated[float, Field(ge=0, le=60)] = 0.5
    backoff_max_s: Annotated[float, Field(ge=0, le=300)] = 8.0
    retry_on_status: list[Annotated[int, Field(ge=400, le=599)]] = Field(
        default_factory=lambda: [408, 429, 500, 502, 503, 504]
    )
    respect_retry_after: bool = True


class Policy(_Model):
    """A validated policy. Load it with `load_policy`; it is immutable."""

    policy: PolicyMeta
    providers: Annotated[list[Provider], Field(min_length=1)]
    use_cases: UseCases = Field(default_factory=UseCases)
    retry: RetrySettings = Field(default_factory=RetrySettings)
    pii: PiiSettings = Field(default_factory=PiiSettings)

    _sha256: str = PrivateAttr(default="")
    _source: str = PrivateAttr(default="<dict>")
    _by_name: dict[str, Provider] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        self._by_name = {p.name: p for p in self.providers}

    @property
    def id(self) -> str:
        return self.policy.id

    @property
    def version(self) -> str:
        return self.policy.version

    @property
    def sha256(self) -> str:
        """Canonical SHA-256 of the policy document (see `canonical_sha256`)."""
        return self._sha256

    @property
    def source(self) -> str:
        """Where the policy came from (a file path, ``$RAI_POLICY`` or ``<dict>``)."""
        return self._source

    def provider(self, name: str) -> Provider | None:
        return self._by_name.get(name)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, source: str = "<dict>", sha256: str | None = None
    ) -> Policy:
        """Validate a parsed document. Errors are `PolicyError`s naming `source` and key paths."""
        try:
            policy = cls.model_validate(data)
        except ValidationError as exc:
            raise PolicyError(source, [_issue(err) for err in exc.errors()]) from None
        issues = _check_references(policy)
        if issues:
            raise PolicyError(source, issues)
        policy._source = source
        policy._sha256 = canonical_sha256(data)
        _check_pin(policy, sha256)
        return policy


def canonical_sha256(data: Mapping[str, Any]) -> str:
    """SHA-256 of the document as canonical JSON (sorted keys, no whitespace, UTF-8).

    The hash is of what the file says, not of its formatting: comments, key order,
    whitespace and the choice of TOML, JSON or YAML do not change it; any value does.
    """
    blob = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def load_policy(path: str | os.PathLike[str] | None = None, *, sha256: str | None = None) -> Policy:
    """Load and validate a policy file (``.toml``, ``.json``, or ``.yaml`` with the extra).

    With no `path`, the file named by ``RAI_POLICY`` is loaded. With `sha256` (or
    ``RAI_POLICY_SHA256`` set), a policy whose canonical hash differs is refused with
    `PolicyHashMismatch`.
    """
    if path is None:
        env = os.environ.get(POLICY_ENV)
        if not env:
            raise PolicyError(
                f"${POLICY_ENV}",
                [PolicyIssue("", f"no policy given: pass a path or set {POLICY_ENV}")],
            )
        path = env
    file = Path(path)
    source = str(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise PolicyError(source, [PolicyIssue("", f"cannot read file: {exc.strerror}")]) from None
    data = _parse(raw, file.suffix.lower(), source)
    return Policy.from_dict(data, source=source, sha256=sha256)


def _parse(raw: bytes, suffix: str, source: str) -> dict[str, Any]:
    def fail(message: str) -> PolicyError:
        return PolicyError(source, [PolicyIssue("", message)])

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise fail("not UTF-8 text") from None
    data: Any
    if suffix == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise fail(f"TOML syntax error: {exc}") from None
    elif suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise fail(
                f"JSON syntax error: {exc.msg} (at line {exc.lineno}, column {exc.colno})"
            ) from None
    elif suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise fail(
                "YAML policies need the yaml extra: pip install 'responsible-ai[yaml]'"
            ) from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise fail(f"YAML syntax error: {exc}") from None
    else:
        raise fail(
            f"unknown policy format {suffix or '(no suffix)'!r}; expected .toml, .json or .yaml"
        )
    if not isinstance(data, dict):
        raise fail(f"expected a table/object at the top level, got {type(data).__name__}")
    return data


def _check_pin(policy: Policy, sha256: str | None) -> None:
    expected = sha256 or os.environ.get(POLICY_SHA256_ENV)
    if expected and expected.strip().lower() != policy.sha256:
        raise PolicyHashMismatch(policy.source, expected.strip().lower(), policy.sha256)


def _check_references(policy: Policy) -> list[PolicyIssue]:
    issues: list[PolicyIssue] = []
    seen: dict[str, int] = {}
    for i, provider in enumerate(policy.providers):
        if provider.name in seen:
            issues.append(
                PolicyIssue(
                    f"providers[{i}].name",
                    f"duplicate provider name {provider.name!r} "
                    f"(first at providers[{seen[provider.name]}])",
                )
            )
        seen.setdefault(provider.name, i)
    for i, provider in enumerate(policy.providers):
        fb = provider.fallback
        if fb is None:
            continue
        if fb.provider == provider.name:
            issues.append(
                PolicyIssue(
                    f"providers[{i}].fallback.provider", "a provider cannot fall back to itself"
                )
            )
        elif fb.provider not in seen:
            issues.append(
                PolicyIssue(
                    f"providers[{i}].fallback.provider",
                    f"expected the name of a provider in this policy, got {fb.provider!r}",
                )
            )
    pii = policy.pii
    used = {pii.default_operator, *pii.operators.values()}
    for rule in policy.use_cases.rules.values():
        if rule.pii is not None:
            if rule.pii.default_operator is not None:
                used.add(rule.pii.default_operator)
            used.update(rule.pii.operators.values())
    if "encrypt" in used and pii.encrypt_key_env is None:
        issues.append(
            PolicyIssue(
                "pii.encrypt_key_env",
                "expected the name of an environment variable holding the AES key, since "
                "the encrypt operator is used",
            )
        )
    rules = policy.use_cases.rules
    for tag, rule in rules.items():
        key = f'use_cases.rules["{tag}"]'
        for parent in _ancestors(tag):
            above = rules.get(parent)
            if above is None:
                continue
            pkey = f'use_cases.rules["{parent}"]'
            if (
                rule.max_data_class is not None
                and above.max_data_class is not None
                and DataClass.parse(rule.max_data_class) > DataClass.parse(above.max_data_class)
            ):
                issues.append(
                    PolicyIssue(
                        f"{key}.max_data_class",
                        f"expected at most {above.max_data_class!r} (set by {pkey}); "
                        "a tag cannot loosen the rules of the tags above it",
                    )
                )
            if rule.allowed_providers is not None and above.allowed_providers is not None:
                extra = sorted(set(rule.allowed_providers) - set(above.allowed_providers))
                if extra:
                    issues.append(
                        PolicyIssue(
                            f"{key}.allowed_providers",
                            f"expected a subset of {pkey}.allowed_providers; {extra} are not "
                            "in it, and a tag cannot loosen the rules of the tags above it",
                        )
                    )
        for j, name in enumerate(rule.allowed_providers or []):
            if name not in seen:
                issues.append(
                    PolicyIssue(
                        f"{key}.allowed_providers[{j}]",
                        f"expected the name of a provider in this policy, got {name!r}",
                    )
                )
    return issues


def _ancestors(tag: str) -> list[str]:
    parts = tag.split(".")
    return [".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]


# ---------------------------------------------------------------- error formatting


def _issue(err: Any) -> PolicyIssue:
    loc: tuple[int | str, ...] = tuple(err["loc"])
    kind: str = err["type"]
    path = _format_loc(loc)
    if kind == "missing":
        return PolicyIssue(path, "required key is missing")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        hint = f" (expected one of: {', '.join(allowed)})" if allowed else ""
        return PolicyIssue(path, f"unknown key{hint}")
    message = err["msg"]
    if kind == "string_pattern_mismatch" and err.get("ctx", {}).get("pattern") == TAG_PATTERN:
        message = (
            "Input should be a use-case tag (a lowercase dotted name such as 'marketing.copy')"
        )
    if "input" in err and kind not in ("missing",):
        message += f", got {_short(err['input'])}"
    if kind == "value_error":
        message = str(err.get("ctx", {}).get("error", message))
        return PolicyIssue(path, f"expected {message}")
    if message.startswith("Input should be "):
        return PolicyIssue(path, "expected " + message.removeprefix("Input should be "))
    return PolicyIssue(path, f"expected: {message[0].lower()}{message[1:]}")


def _format_loc(loc: tuple[int | str, ...]) -> str:
    """``('use_cases', 'rules', 'hr', 'blocked')`` -> ``use_cases.rules["hr"].blocked``."""
    out = ""
    tp: Any = Policy
    for part in loc:
        tp = _unwrap(tp)
        if part == "[key]":
            out += " (key)"
        elif isinstance(part, int):
            out += f"[{part}]"
            tp = _item_type(tp)
        elif isinstance(tp, type) and issubclass(tp, BaseModel):
            out += f".{part}" if out else part
            field = tp.model_fields.get(part)
            tp = field.annotation if field is not None else None
        else:  # a key of a dict, such as a use-case tag
            out += f'["{part}"]'
            tp = _item_type(tp)
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    """The field names of the model found at `loc`, walking Policy's annotations."""
    tp: Any = Policy
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(part, str):
            field = tp.model_fields.get(part)
            if field is None:
                return []
            tp = field.annotation
        else:
            tp = _item_type(tp)
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return []


def _item_type(tp: Any) -> Any:
    """list[X] -> X, dict[K, V] -> V (None when unknown)."""
    args = [a for a in typing.get_args(_unwrap(tp)) if a is not type(None)]
    return args[-1] if args else None


def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            models = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(models) != 1:
                return tp
            tp = models[0]
        else:
            return tp
