"""Offline training code (synthetic data, recognizer training); never imported by the server."""
