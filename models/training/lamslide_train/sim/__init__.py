"""Simulators that make the project's own training and reference data (MD, N-body)."""
