"""Galaxy ALPR benchmark harness: `python -m bench.run [--quick] [--out bench/results]`."""
