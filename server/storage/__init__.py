"""Saved artefacts: names, timestamps, files under the output root."""
