"""Video and camera streams: decoding, sampling, tracking, voting and events (transport-free)."""
