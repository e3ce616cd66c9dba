"""The package version, in a leaf that every layer may import (as httpx's ``__version__.py``)."""

__version__ = "0.1.0.dev0"
