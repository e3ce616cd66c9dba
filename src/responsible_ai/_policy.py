"""The policy file: pydantic models, loading (TOML, JSON, YAML), canonical hash, pinning."""

from __future__ import annotations

import enum
import fnmatch
import functools
import hashlib
import ipaddress
import json
import math
import os
import re
import reprlib
import stat
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
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
    ValidationError,
    ValidationInfo,
    field_validator,
)

from ._entities import BUILTIN_ENTITIES, KNOWN_VALUE_ENTITIES, NER_ENTITIES
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
    # strict: "off" is not False and "60" is not 60 (a typo must not read as a setting)
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, strict=True)


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


class Fallback(_Model):
    """Another approved provider to use when this one stays unavailable."""

    provider: Name
    model: str | None = None


class Provider(_Model):
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
                raise ValueError(f"a header name (letters, digits, '-'), got {_short(name)}")
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


_AllowTerms = Annotated[
    list[Annotated[str, StringConstraints(min_length=1, max_length=200)]],
    Field(max_length=10_000),
]


def _allow_by_type(value: Any) -> Any:
    """`pii.allow` as a list holds for the three name types."""
    if isinstance(value, list):
        return dict.fromkeys(("PERSON", "LOCATION", "ORGANIZATION"), value)
    return value


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
        cls,
        data: Mapping[str, Any],
        *,
        source: str = "<dict>",
        sha256: str | None = None,
        pinned: bool = True,
    ) -> Policy:
        """Validate a parsed document. Errors are `PolicyError`s naming `source` and key
        paths. With ``pinned=False`` the ``RAI_POLICY_SHA256`` pin is not checked (to
        compute the hash of a new version while the old one is pinned)."""
        problem = _not_plain(data)
        if problem is not None:
            raise PolicyError(source, [problem])
        try:
            policy = cls.model_validate(data)
        except ValidationError as exc:
            errors = exc.errors()
            issues = [_issue(err) for err in errors] + cls._other_issues(data, errors)
            raise PolicyError(source, _capped(issues)) from None
        issues = _check_references(policy)
        if issues:
            raise PolicyError(source, _capped(issues))
        policy._source = source
        policy._sha256 = canonical_sha256(data)
        if pinned or sha256:
            _check_pin(policy, sha256)
        return policy

    @classmethod
    def _other_issues(cls, data: Mapping[str, Any], errors: Any) -> list[PolicyIssue]:
        """The cross-reference and loosening problems of a document that also has
        schema errors, so that one pass names them all: the checks run on a copy whose
        wrong values are dropped (optional keys) or stand-ins (required ones); what they
        find at or under a wrong value's path is left out (it is that value's issue)."""
        bad = {_format_loc(tuple(err["loc"])) for err in errors}
        repaired = _repaired(data, errors)
        if repaired is None:
            return []
        try:
            policy = cls.model_validate(repaired)
        except ValidationError:
            return []  # the stand-ins were not enough: the schema errors stand alone
        return [i for i in _check_references(policy) if not _under(i.path, bad)]


# stand-ins for required values that were wrong or missing (only for the second look)
_STAND_INS: dict[str, Any] = {
    "kind": "openai", "base_url": "https://stand-in.invalid/v1", "models": ["*"],
    "tier": "enterprise", "id": "stand-in", "version": "0", "provider": "stand-in",
}  # fmt: skip


def _under(path: str, paths: set[str]) -> bool:
    """Whether `path` is one of `paths` or lies under one (linear in the path's length)."""
    if path in paths:
        return True
    return any(path[:i] in paths for i, c in enumerate(path) if c in ".[")


def _repaired(data: Mapping[str, Any], errors: Any) -> dict[str, Any] | None:
    try:
        doc: Any = json.loads(json.dumps(data))  # plain JSON data (checked): a deep copy
    except (ValueError, TypeError, RecursionError):
        return None  # (an integer too long to write, say): the schema errors stand alone
    for n, err in enumerate(errors):
        loc = [k for k in err["loc"] if isinstance(k, (str, int))]
        if not loc:
            return None
        try:
            parent = doc
            for key in loc[:-1]:
                parent = parent[key]
            leaf = loc[-1]
            if isinstance(parent, dict) and leaf == "name":
                parent[leaf] = f"stand-in-{n}"
            elif isinstance(parent, dict) and leaf in _STAND_INS:
                parent[leaf] = _STAND_INS[str(leaf)]
            elif isinstance(parent, dict):
                parent.pop(leaf, None)
            else:
                return None
        except (KeyError, IndexError, TypeError):
            return None
    return dict(doc) if isinstance(doc, dict) else None


def canonical_sha256(data: Mapping[str, Any]) -> str:
    """SHA-256 of the document as canonical JSON (sorted keys, no whitespace, UTF-8).

    The hash is of what the file says, not of its formatting: comments, key order,
    whitespace and the choice of TOML, JSON or YAML do not change it; any value does.
    """
    # plain JSON data only (`from_dict` checks): the same bytes in every process
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def load_policy(
    path: str | os.PathLike[str] | None = None, *, sha256: str | None = None, pinned: bool = True
) -> Policy:
    """Load and validate a policy file (``.toml``, ``.json``, or ``.yaml`` with the extra).

    With no `path`, the file named by ``RAI_POLICY`` is loaded. With `sha256` (or
    ``RAI_POLICY_SHA256`` set, unless ``pinned=False``), a policy whose canonical hash
    differs is refused with `PolicyHashMismatch`.
    """
    if path is None:
        env = os.environ.get(POLICY_ENV)
        if not env:
            raise PolicyError(
                f"${POLICY_ENV}",
                [PolicyIssue("", f"no policy given: pass a path or set {POLICY_ENV}")],
            )
        path = env
    source = str(path)
    raw = _read_bounded(Path(path), source)
    data = _parse(raw, Path(path).suffix.lower(), source)
    return Policy.from_dict(data, source=source, sha256=sha256, pinned=pinned)


MAX_POLICY_BYTES = 1_000_000
MAX_DEPTH = 32
MAX_ISSUES = 20


def _read_bounded(file: Path, source: str) -> bytes:
    """The file's bytes: a regular file of at most `MAX_POLICY_BYTES` (not a device, a
    pipe or a directory; opened without blocking, read no further than the limit)."""
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise PolicyError(source, [PolicyIssue("", f"cannot read file: {exc.strerror}")]) from None
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        regular = False
    if not regular:
        os.close(fd)
        raise PolicyError(source, [PolicyIssue("", "expected a regular file")])
    with os.fdopen(fd, "rb") as f:
        raw = f.read(MAX_POLICY_BYTES + 1)
    if len(raw) > MAX_POLICY_BYTES:
        raise PolicyError(
            source, [PolicyIssue("", f"expected a file of at most {MAX_POLICY_BYTES} bytes")]
        )
    return raw


def _capped(issues: list[PolicyIssue]) -> list[PolicyIssue]:
    if len(issues) <= MAX_ISSUES:
        return issues
    more = len(issues) - MAX_ISSUES
    return [*issues[:MAX_ISSUES], PolicyIssue("", f"... and {more} more problems")]


def _not_plain(data: Any) -> PolicyIssue | None:
    """The first value that is not plain JSON data (objects with string keys, arrays,
    strings, finite numbers, booleans, null), or nested deeper than `MAX_DEPTH`: a YAML
    set, date or binary has no canonical form, so the policy's hash would not be stable."""
    stack: list[tuple[Any, int, str]] = [(data, 0, "")]
    while stack:
        value, depth, path = stack.pop()
        if depth > MAX_DEPTH:
            return PolicyIssue(path, f"expected data nested at most {MAX_DEPTH} levels deep")
        if isinstance(value, dict):
            trimmed: set[str] = set()
            for key, item in value.items():
                if not isinstance(key, str):
                    return PolicyIssue(path, f"expected text keys, got {_short(key)}")
                if key.strip() in trimmed:  # keys are trimmed: "hr " would overwrite "hr"
                    return PolicyIssue(path, f"the key {_short(key.strip())} is given twice")
                trimmed.add(key.strip())
                stack.append((item, depth + 1, f"{path}.{key}" if path else key))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, f"{path}[{i}]") for i, item in enumerate(value))
        elif isinstance(value, float):
            if not math.isfinite(value):
                return PolicyIssue(path, "expected a finite number")
        elif value is not None and not isinstance(value, (str, bool, int)):
            return PolicyIssue(
                path, "expected plain data (text, number, boolean, list, table), got a "
                f"{type(value).__name__}"
            )  # fmt: skip
    return None


def no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A `json.loads` ``object_pairs_hook``: a key given twice is an error (the last one
    would silently win in Python, the first in other parsers)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {_short(key)} is given twice")
        out[key] = value
    return out


@functools.cache
def _yaml_loader() -> Any:
    """A safe YAML loader that refuses aliases (a few hundred bytes of them expand to
    gigabytes) and keys given twice."""
    import yaml

    class Loader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(
                    None, None, "aliases (*name) are not allowed in a policy", mark
                )
            return super().compose_node(parent, index)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[str] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if isinstance(key, str):
                    if key in seen:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"the key {_short(key)} is given twice",
                            key_node.start_mark,
                        )  # fmt: skip
                    seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return Loader


def _parse(raw: bytes, suffix: str, source: str) -> dict[str, Any]:
    def fail(message: str) -> PolicyError:
        return PolicyError(source, [PolicyIssue("", message)])

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise fail("not UTF-8 text") from None
    try:
        data = _parse_text(text, suffix, fail)
    except RecursionError:
        raise fail(f"expected data nested at most {MAX_DEPTH} levels deep") from None
    except ValueError:  # e.g. an integer of thousands of digits
        raise fail("a value that cannot be read (an integer far too long?)") from None
    if not isinstance(data, dict):
        raise fail(f"expected a table/object at the top level, got {type(data).__name__}")
    return data


def _parse_text(text: str, suffix: str, fail: Callable[[str], PolicyError]) -> Any:
    data: Any
    if suffix == ".toml":
        try:
            data = tomllib.loads(text)  # TOML itself forbids a key given twice
        except tomllib.TOMLDecodeError as exc:
            raise fail(f"TOML syntax error: {str(exc)[:300]}") from None
    elif suffix == ".json":
        try:
            data = json.loads(text, object_pairs_hook=no_duplicate_keys)
        except json.JSONDecodeError as exc:
            raise fail(
                f"JSON syntax error: {exc.msg} (at line {exc.lineno}, column {exc.colno})"
            ) from None
        except ValueError as exc:
            raise fail(f"JSON: {exc}") from None
    elif suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise fail(
                "YAML policies need the yaml extra: pip install 'responsible-ai-policy[yaml]'"
            ) from None
        try:
            data = yaml.load(text, Loader=_yaml_loader())  # a SafeLoader, stricter
        except yaml.YAMLError as exc:
            raise fail(f"YAML error: {str(exc)[:300]}") from None
    else:
        raise fail(
            f"unknown policy format {suffix or '(no suffix)'!r}; expected .toml, .json or .yaml"
        )
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
    known = pii.known_entities()
    known_set = set(known)

    def unknown_entity(path: str, name: str) -> None:
        hint = f"expected one of: {', '.join(known)}; name others in pii.extra_entities"
        issues.append(PolicyIssue(path, f"unknown entity type {name!r} ({hint})"))

    for j, name in enumerate(pii.entities or []):
        if name not in known_set:
            unknown_entity(f"pii.entities[{j}]", name)
    for name in pii.operators:
        if name not in known_set:
            unknown_entity(f'pii.operators["{name}"]', name)
    for tag, rule in policy.use_cases.rules.items():
        for name in rule.pii.operators if rule.pii is not None else ():
            if name not in known_set:
                unknown_entity(f'use_cases.rules["{tag}"].pii.operators["{name}"]', name)
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
    quiet = loc[:2] == ("pii", "allow") and kind != "literal_error"  # its terms may be data
    if "input" in err and kind not in ("missing",) and not quiet:
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


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxtuple, _REPR.maxset = 2, 4, 4, 4, 4
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = 40


def _short(value: Any) -> str:
    """A bounded repr: a bad value is quoted, never printed whole (it may be huge)."""
    text = _REPR.repr(value)
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
