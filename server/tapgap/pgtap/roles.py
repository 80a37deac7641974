"""Role helper functions known by default: light data, importable without the exercise reader."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

# Helpers of supabase-test-helpers (usebasejump/supabase-test-helpers, versions 0.0.1 to 0.0.6 alike), read
# from its source: each one sets the role with set_config('role', ..., true), i.e. locally, and sets
# request.jwt.claims to claims without a role (authenticate_as) or to NULL (the other two).
DEFAULT_ROLE_HELPERS: Final[Mapping[str, str | None]] = MappingProxyType(
    {
        "tests.authenticate_as": "authenticated",
        "tests.authenticate_as_service_role": "service_role",
        "tests.clear_authentication": "anon",
    }
)
