"""Loading untrusted bytes with deserialisers that can run code."""

import marshal
import pickle

import yaml


def load_model(blob):
    return pickle.loads(blob)


def load_config(text):
    return yaml.load(text)


def load_code(blob):
    return marshal.loads(blob)
