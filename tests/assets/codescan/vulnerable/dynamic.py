"""Evaluating strings that came from a request."""


def calculate(expression):
    return eval(expression)


def plugin(source):
    exec(source)


def debug_here():
    breakpoint()
