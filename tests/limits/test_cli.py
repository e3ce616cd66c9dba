"""`rai kill`, `rai revive` and `rai limits show` against a real Valkey server."""

from __future__ import annotations

import pytest

import responsible_ai as rai
from responsible_ai._cli import main
from tests.limits.conftest import KEY, Valkey


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class TestKillSwitchCommands:
    def test_kill_and_revive_a_use_case(
        self, valkey: Valkey, prefix: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """`rai kill` sets the switch every replica reads; `rai revive` clears it."""
        state = ("--state", valkey.url, "--prefix", prefix)
        assert run(capsys, "kill", "marketing.campaign", *state)[0] == 0
        store = rai.RedisState(valkey.url, prefix=prefix)
        assert store.killed() == ["uc:marketing.campaign"]
        code, out, _ = run(capsys, "limits", "show", *state)
        assert code == 0 and "uc:marketing.campaign" in out
        assert "revived" in run(capsys, "revive", "marketing.campaign", *state)[1]
        assert "not killed" in run(capsys, "revive", "marketing.campaign", *state)[1]
        assert store.killed() == []
        store.close()

    def test_an_automation_is_named_by_its_pseudonym_only(
        self,
        valkey: Valkey,
        prefix: str,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """`--automation ID` needs the replicas' key and prints the pseudonym, never the id."""
        state = ("--state", valkey.url, "--prefix", prefix)
        monkeypatch.delenv("RAI_PSEUDONYM_KEY", raising=False)
        code, _, err = run(capsys, "kill", "--automation", "bot@example.org", *state)
        assert code == 2 and "RAI_PSEUDONYM_KEY" in err
        monkeypatch.setenv("RAI_PSEUDONYM_KEY", KEY.hex())
        code, out, err = run(capsys, "kill", "--automation", "bot@example.org", *state)
        name = rai.Pseudonymizer(KEY).pseudonym("principal", "bot@example.org")
        assert code == 0 and name in out and "bot@example.org" not in out + err

    def test_a_store_must_be_named_and_a_tag_given(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without --state or RAI_STATE_URL, or with a bad tag, the command says so (exit 2)."""
        monkeypatch.delenv("RAI_STATE_URL", raising=False)
        code, _, err = run(capsys, "kill", "marketing")
        assert code == 2 and "--state" in err
        code, _, err = run(capsys, "kill", "Not A Tag", "--state", "valkey://127.0.0.1:1/0")
        assert code == 2 and "tag" in err


class TestLimitsShow:
    def test_prints_each_window_and_its_use_beside_the_limit(
        self, valkey: Valkey, prefix: str, capsys: pytest.CaptureFixture[str], tmp_path: object
    ) -> None:
        """After a reservation is settled, the counter's window, use and limit are printed."""
        import json
        from pathlib import Path

        from responsible_ai._state import Counter, Held

        store = rai.RedisState(valkey.url, prefix=prefix)
        plan = store.plan((), (Counter("engineering/3600/s:-", 3600, (10, -1, -1, -1)),), 60_000)
        held = store.reserve(plan, "c1", (1, 500, 0, 0))
        assert isinstance(held, Held)
        store.settle(held, (1, 42, 2_000_000, 0))
        store.close()
        from tests.limits.conftest import limits_policy

        data = limits_policy()
        data["limits"]["rules"] = [
            {"use_case": "engineering", "per": "service", "window_s": 3600, "requests": 10}
        ]
        policy = Path(str(tmp_path)) / "policy.json"
        policy.write_text(json.dumps(data))
        code, out, _ = run(capsys, "limits", "show", "--policy", str(policy),
                           "--state", valkey.url, "--prefix", prefix)  # fmt: skip
        assert code == 0
        line = next(x for x in out.splitlines() if x.startswith("engineering/3600/s:-"))
        assert " 42 " in line and " 2 " in line and "rules[0]: 10/-/-/-" in line
