"""Tests of the policy file (`responsible_ai._policy`), one file per module of the package."""
