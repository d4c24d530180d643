"""Benchmarks (not tests): `make bench` runs every module's `main()`; see bench/__main__.py."""
