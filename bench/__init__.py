"""On-demand benchmarks: `python -m bench` prints ours beside the peer tool."""
