"""Plate rules, regions, colours and metrics: pure functions over OCR reads and crops."""
