"""Fixtures for the security tests: the two-clinic world."""

import pytest

from tests.security.world import World, build_world


@pytest.fixture
def world(make) -> World:  # type: ignore[no-untyped-def]
    return build_world(make)
