"""Collect real replies of the real-LLM app to the built-in probes, for hand labelling.

    python -m bench.llm_replies URL OUT.jsonl [--repeats 3] [--variant naive]

Each line: probe id, variant, the fixed canary and system prompt, the reply, and an empty
``label`` (``attack`` when the reply does what the attacker wanted, ``safe`` otherwise) that a
person fills in. ``tests/assets/probes/labelled-replies.jsonl`` was made this way; the judge's
false-alarm and miss rates are measured on it by ``tests/probes/test_labelled_replies.py``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import sys

from gates.config.settings import EndpointSettings
from gates.endpoint import EndpointClient
from gates.probes.loader import load_builtin
from gates.probes.suite import compose_system_prompt

CANARY = "AIGATE-7F3A9C2E1B04"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.llm_replies")
    parser.add_argument("url", help="base URL of examples/llm-app/server.py")
    parser.add_argument("out")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--variant", default="naive")
    parser.add_argument("--include", nargs="*", default=[])
    args = parser.parse_args(argv)
    system = compose_system_prompt(None, CANARY)
    probes = [p for p in load_builtin() if not args.include or p.id in args.include]
    settings = EndpointSettings(url=f"{args.url}/{args.variant}", timeout_s=600, retries=0, concurrency=4)
    work = [(p, i) for i in range(args.repeats) for p in probes]
    with EndpointClient(settings) as client, open(args.out, "a", encoding="utf-8") as out:
        def one(item: tuple[object, int]) -> None:
            probe, _ = item
            reply = client.chat(probe.messages, system=system).text  # type: ignore[attr-defined]
            row = {"probe": probe.id, "variant": args.variant, "canary": CANARY,  # type: ignore[attr-defined]
                   "system_prompt": system, "reply": reply, "label": ""}
            out.write(json.dumps(row) + "\n")
            out.flush()
            print(probe.id, repr(reply[:100]), file=sys.stderr, flush=True)  # type: ignore[attr-defined]

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(one, work))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
