"""Errors swallowed and checks that vanish under python -O."""


def parse(value):
    assert value, "value required"
    try:
        return int(value)
    except Exception:
        pass


def parse_all(values):
    out = []
    for value in values:
        try:
            out.append(int(value))
        except:
            continue
    return out


def finish(handle):
    try:
        handle.close()
    finally:
        return True
