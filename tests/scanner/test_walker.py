"""The symbolic walker: parity with pickletools on real pickles, robustness on any bytes."""

from __future__ import annotations

import pickle
import pickletools

import pytest
from hypothesis import given, settings, strategies as st

from gates.scanner import ScanPolicy
from gates.scanner.context import ScanContext
from gates.scanner.dispatch import scan_blob
from gates.scanner.pickle_walk import walk
from tests.scanner.malicious import STOP, proto, sg, u

VALUES = [None, True, 1, -(2**70), 1.5, "text", "é" * 300, b"raw", bytearray(b"ba"), (1, (2, 3)), [1, [2]],
          {"k": {1: 2}}, {1, 2}, frozenset({3}), list(range(2000)), "x" * 70_000, b"y" * 300]


@pytest.mark.parametrize("protocol", range(6))
def test_walk_matches_pickletools(protocol: int) -> None:
    data = pickle.dumps(VALUES, protocol=protocol)
    ours = walk(data, 0, len(data))
    assert ours.stopped and ours.error is None and ours.end == len(data)
    assert ours.opcodes == sum(1 for _ in pickletools.genops(data))


def test_stack_global_resolved_through_memo_and_dup() -> None:
    data = proto(4) + u("posix") + b"\x94" + b"2" + b"0" + u("system") + b"\x94" + b"0" + b"h\x00h\x01\x93" + STOP
    result = walk(data, 0, len(data))
    assert [(g.module, g.name, g.opcode) for g in result.globals] == [("posix", "system", "STACK_GLOBAL")]


def test_walk_keeps_what_it_saw_before_an_error() -> None:
    data = proto(2) + b"cos\nsystem\n" + b"\xff"
    result = walk(data, 0, len(data))
    assert result.error is not None and result.error.offset == 13
    assert [(g.module, g.name) for g in result.globals] == [("os", "system")]


def test_several_pickles_are_all_counted(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    data = b"".join(pickle.dumps(i, protocol=p) for i, p in zip(range(5), (0, 2, 3, 4, 5)))
    report = scan_bytes(data)
    assert report.files[0].pickles == 5 and report.findings == ()


def test_stack_global_with_computed_arguments_is_critical() -> None:
    data = proto(4) + sg("_codecs", "encode") + u("bf") + u("rot13") + b"\x86R" + u("flfgrz") + b"\x93" + STOP
    result = walk(data, 0, len(data))
    assert [i.rule_id for i in result.issues] == ["PICKLE-UNRESOLVED-GLOBAL"]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_never_crash_the_scanner(data: bytes) -> None:
    for prefix in (b"", b"\x80\x04", b"PK\x03\x04", b"\x93NUMPY\x01\x00"):
        blob = prefix + data
        ctx = ScanContext(policy=ScanPolicy(), scan_blob=scan_blob)
        scan_blob(ctx, blob, 0, len(blob), None)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([b"(", b"t", b"R", b"\x93", b"\x94", b"h\x00", b"0", b"2", b"b", b"s", b"u",
                                 b"a", b"e", b"\x85", b"\x81", b"\x92", b"o", b"}", b"]", b")", b"N",
                                 u("os"), u("system"), b"\x82\x01", b"Q", b"\x97"]), max_size=40))
def test_random_opcode_sequences_never_crash(parts: list[bytes]) -> None:
    data = proto(4) + b"".join(parts) + STOP
    walk(data, 0, len(data))


def test_every_opcode_has_a_handler() -> None:
    from gates.scanner.opcodes import OPCODES
    from gates.scanner.pickle_walk import _HANDLERS

    names = {name for name, _kind in OPCODES.values()}
    assert names == set(_HANDLERS) | {"STOP"}
    assert {name for name, _ in OPCODES.values()} >= {op.name for op in pickletools.opcodes}


def test_numbers_are_read_like_cpython() -> None:
    data = b"I0x10\nL12L\nI 7\n" + b"\x87."
    result = walk(data, 0, len(data))
    assert result.stopped and result.value == (16, 12, 7)
