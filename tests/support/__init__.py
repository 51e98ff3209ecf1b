"""Helpers shared by the test suites (spec location, conformance checks)."""
