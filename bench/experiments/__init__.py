"""Before/after measurements of candidate optimisations, built here without editing server code."""
