"""The public API is exactly `responsible_ai.__all__`."""

from __future__ import annotations

import responsible_ai as rai


def test_all_is_sorted_and_exported() -> None:
    """Everything in __all__ exists, __all__ is sorted, and no public name is left out."""
    assert rai.__all__ == sorted(rai.__all__)
    for name in rai.__all__:
        assert hasattr(rai, name), name
    # public submodules a test run imports (the pytest plugin, loaded by its entry point,
    # like anyio's, makes pytest rewrite the package's asserts: its "@py" helpers appear too)
    submodules = {"testing", "pytest_plugin", "presidio"}
    public = {n for n in vars(rai) if not n.startswith(("_", "@"))} - submodules
    assert public == set(rai.__all__) - {"__version__"}


def test_objects_belong_to_the_package() -> None:
    """Exported classes and functions come from our own modules (not re-exported third-party)."""
    for name in rai.__all__:
        obj = getattr(rai, name)
        module = getattr(obj, "__module__", "responsible_ai")
        if module is not None and not isinstance(obj, str):
            assert module.startswith("responsible_ai"), (name, module)


def test_error_tree() -> None:
    """One root; violations and provider errors under it."""
    for cls in (rai.PolicyError, rai.PolicyViolation, rai.ProviderError, rai.ConfigurationError):
        assert issubclass(cls, rai.ResponsibleAIError)
    for cls in (rai.ProviderNotApproved, rai.ModelNotApproved, rai.UseCaseBlocked, rai.ConsentRequired,
                rai.DataClassExceeded):  # fmt: skip
        assert issubclass(cls, rai.PolicyViolation)
    assert issubclass(rai.PolicyHashMismatch, rai.PolicyError)
