"""TLS verification against a real HTTPS loopback server with a freshly made self-signed certificate."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from gates.config.settings import EndpointSettings
from gates.endpoint import EndpointClient, EndpointUnreachable
from tests.support.scripted_http import Answer, chat_body, scripted_server


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: cannot make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return str(cert), str(key)


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_unknown_ca_is_refused_then_trusted_via_ca_bundle(certificate: tuple[str, str]) -> None:
    cert, _ = certificate
    with scripted_server([Answer(200, chat_body("over tls"))], tls=certificate) as server:
        assert server.url.startswith("https://")
        with EndpointClient(EndpointSettings(url=server.url, retries=0)) as client:
            with pytest.raises(EndpointUnreachable, match="TLS error.*ca-bundle"):
                client.send("hi")
        with EndpointClient(EndpointSettings(url=server.url, ca_bundle=cert)) as client:
            assert client.send("hi").text == "over tls"
        with EndpointClient(EndpointSettings(url=server.url, verify_tls=False)) as client:
            assert client.send("hi").text == "over tls"
    assert Path(cert).read_text().startswith("-----BEGIN CERTIFICATE-----")
