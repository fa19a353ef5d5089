"""Weak hashes and predictable tokens."""

import hashlib
import random


def digest(data):
    return hashlib.md5(data).hexdigest()


def fingerprint(data):
    return hashlib.sha1(data).hexdigest()


def token():
    return str(random.random())
