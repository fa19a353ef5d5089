"""The demo project's own evaluation step: score the model on eval/dataset.jsonl.

    python eval/run_eval.py --url http://127.0.0.1:8000 --output eval/metrics.json
    python eval/run_eval.py --url http://127.0.0.1:8000          # JSON on stdout

This stands for whatever evaluation a real project runs (standard library only). It writes
``{"accuracy": ..., "latency": {"p95_ms": ...}}``, the shape the performance gate reads
with ``metrics-file: eval/metrics.json`` (or ``command: [...]`` for stdout).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent


def ask(url: str, prompt: str) -> tuple[str, float]:
    body = json.dumps({"model": "demo-assistant-1", "messages": [{"role": "user", "content": prompt}]}).encode()
    request = urllib.request.Request(url.rstrip("/") + "/v1/chat/completions", data=body,
                                     headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the demo's own server
        reply = json.load(response)["choices"][0]["message"]["content"]
    return reply, time.perf_counter() - started


def correct(row: dict, reply: str) -> bool:
    expected = str(row["expected"])
    how = row.get("match", "contains")
    if how == "numeric":
        numbers = re.findall(r"-?\d+(?:\.\d+)?", reply)
        return bool(numbers) and abs(float(numbers[-1]) - float(expected)) <= float(row.get("tolerance", 0))
    if how == "regex":
        return re.search(expected, reply, re.I) is not None
    if how == "exact":
        return reply.strip().lower() == expected.strip().lower()
    return expected.lower() in reply.lower()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("DEMO_MODEL_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--dataset", default=str(HERE / "dataset.jsonl"))
    parser.add_argument("--output", help="write the metrics here instead of stdout")
    args = parser.parse_args()
    rows = [json.loads(line) for line in Path(args.dataset).read_text(encoding="utf-8").splitlines() if line.strip()]
    scores, latencies = [], []
    for row in rows:
        reply, seconds = ask(args.url, row["prompt"])
        scores.append(correct(row, reply))
        latencies.append(seconds * 1000)
    latencies.sort()
    metrics = {"accuracy": round(sum(scores) / len(scores), 4),
               "latency": {"p95_ms": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1)},
               "cases": len(rows)}
    text = json.dumps(metrics, indent=2)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
