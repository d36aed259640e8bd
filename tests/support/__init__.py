"""Helpers shared by the test suite (import them from here, never from conftest)."""
