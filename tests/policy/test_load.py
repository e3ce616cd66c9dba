"""Reading a policy file (`_policy._load`): formats, bounds, plain data, canonical hash, pinning."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai._policy import canonical_sha256

from ..conftest import base_policy
from .conftest import MINIMAL, changed, error_of, write

EXAMPLES = Path(__file__).parents[2] / "examples"


class TestFormats:
    def test_examples_load(self) -> None:
        """Every example policy in examples/ is valid."""
        files = sorted(EXAMPLES.glob("policy*.*"))
        assert len(files) >= 3
        for file in files:
            policy = rai.load_policy(file)
            assert policy.source == str(file)
            assert len(policy.sha256) == 64

    def test_env_var(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """With no path, RAI_POLICY names the file."""
        monkeypatch.setenv("RAI_POLICY", str(write(tmp_path / "p.toml", MINIMAL)))
        assert rai.load_policy().id == "p"

    def test_no_policy_given(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """No path and no RAI_POLICY is a PolicyError that says what to do."""
        monkeypatch.delenv("RAI_POLICY", raising=False)
        with pytest.raises(rai.PolicyError, match="set RAI_POLICY"):
            rai.load_policy()

    def test_missing_file(self, tmp_path: Path) -> None:
        """An unreadable file names the file."""
        with pytest.raises(rai.PolicyError) as info:
            rai.load_policy(tmp_path / "nope.toml")
        assert "nope.toml" in str(info.value)
        assert "cannot read file" in str(info.value)

    def test_unknown_suffix(self, tmp_path: Path) -> None:
        """Only .toml, .json, .yaml and .yml are policy formats."""
        f = tmp_path / "p.ini"
        f.write_text("x")
        with pytest.raises(rai.PolicyError, match=r"expected \.toml, \.json or \.yaml"):
            rai.load_policy(f)

    def test_syntax_error_names_line(self, tmp_path: Path) -> None:
        """A TOML syntax error names the file and the line."""
        f = write(tmp_path / "p.toml", MINIMAL + "\nbroken = [\n")
        with pytest.raises(rai.PolicyError) as info:
            rai.load_policy(f)
        assert str(f) in str(info.value) and "line" in str(info.value)

    def test_json_syntax_error(self, tmp_path: Path) -> None:
        """A JSON syntax error names the line."""
        f = tmp_path / "p.json"
        f.write_text('{"policy": ')
        with pytest.raises(rai.PolicyError, match=r"JSON syntax error: .* line 1"):
            rai.load_policy(f)

    def test_top_level_must_be_table(self, tmp_path: Path) -> None:
        """A document is a table (an object) at the top level."""
        f = tmp_path / "p.json"
        f.write_text("[1, 2]")
        with pytest.raises(rai.PolicyError, match="expected a table/object at the top level"):
            rai.load_policy(f)


class TestKeysGivenTwice:
    def test_json_key_given_twice_is_an_error(self, tmp_path: Path) -> None:
        """A JSON key given twice is refused (one of the two would silently win)."""
        good = json.dumps(base_policy("https://api.example.test/v1"))
        text = good[:-1] + ', "use_cases": {"blocked": []}}'  # the second would win
        with pytest.raises(rai.PolicyError, match="given twice"):
            rai.load_policy(write(tmp_path / "p.json", text))

    def test_yaml_key_given_twice_aliases_and_sets_are_errors(self, tmp_path: Path) -> None:
        """YAML keys given twice, aliases (a billion laughs) and sets are refused."""
        pytest.importorskip("yaml")
        head = "policy: {id: p, version: '1'}\nproviders: []\n"
        with pytest.raises(rai.PolicyError, match="given twice"):
            rai.load_policy(write(tmp_path / "a.yaml", head + "policy: {id: q, version: '2'}\n"))
        bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        bomb += "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n"
        with pytest.raises(rai.PolicyError, match="aliases"):
            rai.load_policy(write(tmp_path / "b.yaml", bomb))
        with pytest.raises(rai.PolicyError, match="plain data"):
            rai.load_policy(write(tmp_path / "c.yaml", head + "extra: !!set {a, b}\n"))

    @pytest.mark.parametrize(
        "changes",
        [
            {"use_cases__rules": {"hr": {"blocked": True}, "hr ": {"blocked": False}}},
            {"pii": {"operators": {"CREDIT_CARD": "block", "CREDIT_CARD ": "keep"}}},
            {"providers__0__headers": {"X-A": "1", " X-A": "2"}},
        ],
    )
    def test_keys_that_differ_only_in_padding_are_duplicates(self, changes: dict[str, Any]) -> None:
        """Keys are trimmed, so ``"hr "`` next to ``"hr"`` is a key given twice."""
        assert "given twice" in error_of(changed(**changes))


class TestBounds:
    def test_deep_nesting_is_a_policy_error(self, tmp_path: Path) -> None:
        """Data nested too deep is a PolicyError, in a file or in a dict."""
        text = '{"policy": ' + "[" * 100_000 + "]" * 100_000 + "}"
        with pytest.raises(rai.PolicyError, match="nested"):
            rai.load_policy(write(tmp_path / "deep.json", text))
        with pytest.raises(rai.PolicyError, match="nested"):
            rai.Policy.from_dict({"policy": json.loads("[" * 50 + "]" * 50)})

    def test_only_bounded_regular_files_are_read(self, tmp_path: Path) -> None:
        """Devices, pipes (opened without blocking) and files over the limit are refused."""
        with pytest.raises(rai.PolicyError, match="regular file"):
            rai.load_policy("/dev/zero")
        fifo = tmp_path / "p.toml"
        os.mkfifo(fifo)
        with pytest.raises(rai.PolicyError, match="regular file"):
            rai.load_policy(fifo)  # opening a pipe must not block
        big = write(tmp_path / "big.toml", "# " + "x" * 2_000_000 + "\n")
        with pytest.raises(rai.PolicyError, match="at most"):
            rai.load_policy(big)

    def test_a_directory_or_a_huge_integer_is_a_policy_error(self, tmp_path: Path) -> None:
        """A directory or an integer too long to read is a PolicyError, leaving no file open."""
        (tmp_path / "x.toml").mkdir()
        for _ in range(3):  # and no file descriptor is left open
            with pytest.raises(rai.PolicyError, match="regular file"):
                rai.load_policy(tmp_path / "x.toml")
        big = write(tmp_path / "big.toml", "n = " + "9" * 5000 + "\n")
        with pytest.raises(rai.PolicyError):
            rai.load_policy(big)


class TestCanonicalHash:
    def test_toml_json_yaml_same_hash(self, tmp_path: Path) -> None:
        """The hash is of the content: TOML, JSON and YAML of one document hash the same."""
        import yaml

        data = tomllib.loads(MINIMAL)
        t = write(tmp_path / "p.toml", MINIMAL)
        j = tmp_path / "p.json"
        j.write_text(json.dumps(data, indent=4))
        y = tmp_path / "p.yaml"
        y.write_text(yaml.safe_dump(data))
        hashes = {rai.load_policy(f).sha256 for f in (t, j, y)}
        assert len(hashes) == 1

    def test_formatting_does_not_change_hash(self, tmp_path: Path) -> None:
        """Comments, whitespace and key order do not change the hash; a value does."""
        a = rai.load_policy(write(tmp_path / "a.toml", MINIMAL))
        b = rai.load_policy(
            write(tmp_path / "b.toml", "# a comment\n" + MINIMAL.replace(" = ", "="))
        )
        c = rai.load_policy(write(tmp_path / "c.toml", MINIMAL.replace('"m-1"', '"m-3"')))
        assert a.sha256 == b.sha256
        assert a.sha256 != c.sha256

    def test_hash_is_sha256_of_canonical_json(self) -> None:
        """`policy.sha256` is SHA-256 over sorted-key, compact, UTF-8 JSON of the document."""
        import hashlib

        data = tomllib.loads(MINIMAL)
        blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        assert rai.Policy.from_dict(data).sha256 == hashlib.sha256(blob).hexdigest()
        assert canonical_sha256(data) == hashlib.sha256(blob).hexdigest()

    def test_the_hash_is_of_plain_data_only(self) -> None:
        """Data with no canonical form (a set) is refused, not hashed at random."""
        data = changed()
        data["policy"]["tags"] = {"a", "b"}  # no canonical form: refused, not hashed at random
        assert "plain data" in error_of(data)
        ok = rai.Policy.from_dict(changed())
        assert ok.sha256 == rai.Policy.from_dict(json.loads(json.dumps(changed()))).sha256


class TestPinning:
    def test_pinned_hash_accepted(self, tmp_path: Path) -> None:
        """A file whose hash is the pinned one loads, whatever the case of the pin."""
        f = write(tmp_path / "p.toml", MINIMAL)
        digest = rai.load_policy(f).sha256
        assert rai.load_policy(f, sha256=digest).sha256 == digest
        assert rai.load_policy(f, sha256=digest.upper()).sha256 == digest

    def test_argument_mismatch_refused(self, tmp_path: Path) -> None:
        """A file whose hash differs from the pinned one is refused, naming both hashes."""
        f = write(tmp_path / "p.toml", MINIMAL)
        with pytest.raises(rai.PolicyHashMismatch) as info:
            rai.load_policy(f, sha256="0" * 64)
        assert info.value.expected == "0" * 64
        assert info.value.actual in str(info.value)
        assert str(f) in str(info.value)

    def test_env_mismatch_refused(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """RAI_POLICY_SHA256 pins every load in the process."""
        f = write(tmp_path / "p.toml", MINIMAL)
        monkeypatch.setenv("RAI_POLICY_SHA256", "ab" * 32)
        with pytest.raises(rai.PolicyHashMismatch):
            rai.load_policy(f)

    def test_unpinned_load_ignores_the_env_pin(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With ``pinned=False`` RAI_POLICY_SHA256 is not checked (to hash a new version)."""
        f = write(tmp_path / "p.toml", MINIMAL)
        monkeypatch.setenv("RAI_POLICY_SHA256", "ab" * 32)
        assert len(rai.load_policy(f, pinned=False).sha256) == 64
        with pytest.raises(rai.PolicyHashMismatch):
            rai.load_policy(f, sha256="0" * 64, pinned=False)  # an explicit pin still holds
