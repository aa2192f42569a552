"""Shared facts of the scenario: where the host is, as seen from outside it."""

import os

import pytest

HOST_IP = os.environ.get("GOLIVE_MOLECULE_IP", "10.213.7.20")
DOMAIN = "demo.golive.test"
APP = "demo"


@pytest.fixture(scope="session")
def host_ip() -> str:
    return HOST_IP
