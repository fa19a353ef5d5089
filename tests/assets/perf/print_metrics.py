"""A user's metrics command: prints a JSON object of metrics on stdout (after a log line).

Usage: print_metrics.py ACCURACY [LATENCY_MS]; with --counter FILE each run adds 0.01 to the
accuracy (to test repeats with different values).
"""

import json
import sys
from pathlib import Path

args = sys.argv[1:]
bump = 0.0
if args and args[0] == "--counter":
    counter = Path(args[1])
    runs = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(runs + 1))
    bump = 0.01 * runs
    args = args[2:]
print("evaluating ...")
metrics = {"eval": {"accuracy": float(args[0]) + bump}}
if len(args) > 1:
    metrics["latency_ms"] = float(args[1])
print(json.dumps(metrics))
