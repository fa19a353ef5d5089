"""Fingerprints survive moving code and count duplicates."""

from gates.fingerprint import fingerprint, fingerprints, new_since


def test_whitespace_and_line_do_not_matter() -> None:
    assert fingerprint("B602", "a.py", "subprocess.call(x,  shell=True)") == \
        fingerprint("B602", "a.py", "    subprocess.call(x, shell=True)")
    assert fingerprint("B602", "a.py", "x") != fingerprint("B602", "b.py", "x")


def test_duplicates_are_counted() -> None:
    items = [("B602", "a.py", "call(x)"), ("B602", "a.py", "call(x)")]
    first, second = fingerprints(items)
    assert first != second
    assert new_since([first, second], [first]) == [False, True]
    assert new_since([first], [first, first]) == [False]
