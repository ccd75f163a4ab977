"""Benchmarks: each compares the app with a baseline measured in the same run (``make bench``)."""
