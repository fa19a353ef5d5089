"""Every pickle in a byte range: back-to-back streams, legacy PyTorch files, joblib files.

Decisions (fail closed where a loader could still run something):

* A range is a pickle when it starts with ``PROTO`` 0-5, or when the protocol-0/1 walk from
  its first byte reaches ``STOP``, calls an imported global or imports a dangerous one before
  failing. Anything else is not a pickle: a loader fails on it before running anything
  (text such as ``cat\ndog\n...`` parses as one harmless ``GLOBAL`` and then fails).
* After ``STOP`` the walk goes on with the next stream (joblib and legacy PyTorch files
  hold several). A stream that fails after importing globals keeps those findings and adds
  ``PICKLE-PARSE-ERROR`` (high): CPython has executed everything before the bad byte.
* Bytes after the last stream that are no pickle give ``PICKLE-TRAILING-DATA`` (low), and
  up to 16 MiB of them are searched for embedded ``PROTO`` headers whose streams are walked
  too (``malicious-invalid-bytes.pkl`` style padding cannot hide a payload).
* An opcode whose argument crosses the end of its ``FRAME`` gives ``PICKLE-FRAME-MISMATCH``
  (high) and the stream is walked a second time the way ``pickle.load`` reads a file
  (:func:`check_frames`): both readings are judged.
* Legacy PyTorch (first stream is the magic number 0x1950a86a20f9469cfc6c): after its five
  streams come raw tensor bytes that ``torch.load`` never unpickles; they are not read.
"""

from __future__ import annotations

from dataclasses import dataclass

from gates.model import Severity
from gates.scanner.context import EMBED_CANDIDATES, EMBED_SEARCH_BYTES, ScanContext
from gates.scanner.joblib_arrays import WRAPPER, make_hook
from gates.scanner.opcodes import Buffer
from gates.scanner.pickle_walk import walk
from gates.scanner.policy import ScanPolicy, Verdict, classify
from gates.scanner.walk_values import WalkResult

TORCH_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_STREAMS = 5


@dataclass(frozen=True)
class PickleSummary:
    """What :func:`scan_pickles` found in one range."""

    pickles: int
    legacy_torch: bool
    joblib: bool


def starts_with_proto(buf: Buffer, start: int, end: int) -> bool:
    """True when the range starts with the PROTO opcode and a protocol 0-5."""
    return end - start >= 2 and buf[start] == 0x80 and buf[start + 1] <= 5


def looks_like_pickle(first: WalkResult, policy: ScanPolicy) -> bool:
    """Is a range without a PROTO header a pickle? Yes when its walk reached STOP, or called an
    imported global, or imported a dangerous one, before failing: then a loader would have run
    something. Text that merely starts like a GLOBAL opcode (``c`` + two lines, as in a
    vocabulary file or Python source) is not.
    """
    if first.stopped or first.calls:
        return True
    return any(classify(g.module, g.name, policy).verdict is Verdict.DANGEROUS for g in first.globals)


def scan_pickles(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None,
                 *, definite: bool = False) -> PickleSummary | None:
    """Walk every pickle in ``buf[start:end]``; None when the range is not a pickle at all."""
    first = walk(buf, start, end, make_hook())
    if not (definite or starts_with_proto(buf, start, end) or looks_like_pickle(first, ctx.policy)):
        return None
    count, legacy, joblib, result = 0, False, False, first
    while True:
        ctx.add_walk(result, member, buf=buf)
        check_frames(ctx, buf, result, end, member)
        joblib = joblib or any(r.module == "joblib.numpy_pickle" and f"{r.module}.{r.name}" == WRAPPER
                               for r in result.globals)
        if result.error is not None:
            if count == 0 or result.globals or result.opcodes > 2:
                _parse_error(ctx, member, result)
            else:
                _trailing(ctx, buf, result.start, end, member)
            break
        count += 1
        if count == 1 and result.value == TORCH_MAGIC and not isinstance(result.value, bool):
            legacy = True
        if legacy and count >= _LEGACY_STREAMS:
            break
        if result.end >= end:
            break
        result = walk(buf, result.end, end, make_hook())
    ctx.pickles += count
    return PickleSummary(count, legacy, joblib)


def check_frames(ctx: ScanContext, buf: Buffer, result: WalkResult, end: int, member: str | None,
                 how: str = "") -> None:
    """A stream with an opcode straddling a FRAME's end reads differently in ``pickle.load``
    of a file: report it and judge that reading's globals too."""
    if result.straddle is None:
        return
    ctx.add("PICKLE-FRAME-MISMATCH", Severity.HIGH, member,
            f"pickle stream starting at byte {result.start}: the opcode at byte {result.straddle} runs past the end "
            "of its FRAME. pickle.loads reads on; pickle.load of a file skips the rest of the frame: the two "
            "loaders run different opcodes. No pickler writes this" + how, f"frame-{result.straddle}")
    other = walk(buf, result.start, end, make_hook(), file_mode=True)
    ctx.add_walk(other, member, how + " (read as pickle.load reads a file)", buf=buf)


def _parse_error(ctx: ScanContext, member: str | None, result: WalkResult) -> None:
    ctx.add("PICKLE-PARSE-ERROR", Severity.HIGH, member,
            f"pickle stream starting at byte {result.start} cannot be parsed ({result.error}); "
            "a loader runs everything before that byte and nothing after it was checked. "
            "Treat the file as untrusted and regenerate it", "parse-error")


def _trailing(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None) -> None:
    ctx.add("PICKLE-TRAILING-DATA", Severity.LOW, member,
            f"{end - start} bytes after the last pickle (from byte {start}) are not a pickle; "
            "they were searched for embedded pickles", "trailing-data")
    search_embedded(ctx, buf, start, end, member)


def search_embedded(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None) -> int:
    """Walk streams that start with a PROTO header inside an opaque region; return how many."""
    stop = min(end, start + EMBED_SEARCH_BYTES)
    pos, tried, found = start, 0, 0
    while tried < EMBED_CANDIDATES:
        pos = buf.find(b"\x80", pos, stop)
        if pos < 0:
            break
        if pos + 1 < stop and 2 <= buf[pos + 1] <= 5:
            tried += 1
            result = walk(buf, pos, end, make_hook())
            if result.globals and (result.stopped or result.opcodes > 3):
                found += 1
                ctx.pickles += 1
                ctx.add_walk(result, member, f" (in a pickle embedded at byte {pos})", buf=buf)
                check_frames(ctx, buf, result, end, member, f" (embedded at byte {pos})")
        pos += 1
    return found
