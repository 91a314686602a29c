"""Metrics and request ids: what the service tells its operators."""
