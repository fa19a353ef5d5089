"""HTTP calls without timeouts or TLS checks, and a debug server open to the world."""

import requests
from flask import Flask

app = Flask(__name__)


def fetch(url):
    return requests.get(url)


def post(url, body):
    return requests.post(url, json=body, verify=False, timeout=10)


if __name__ == "__main__":
    app.run(host="0.0.0.0", debug=True)
