"""UI customization logos live at a URL in the old pool's CloudFront distribution, which goes with
the pool. A backup keeps the images themselves, and a restore sets them from there, with the
image host gone."""

from __future__ import annotations

import base64
import datetime
import http.server
import ipaddress
import json
import ssl
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from test_restore import CREDS, PNG, back_up, restore
from support import motoplus
from support.iam import boto3_client

CLIENT_LOGO = PNG + b"client"  # told apart from the pool's by its bytes


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, which the binary trusts through AWS_CA_BUNDLE."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(hours=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class ImageHost(http.server.BaseHTTPRequestHandler):
    """Serves the logos moto was given, as CloudFront serves a pool's."""

    served: list[str] = []

    def do_GET(self) -> None:
        body = motoplus.image(self.path)
        ImageHost.served.append(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def image_host(tmp_path, monkeypatch):
    """An HTTPS server on 127.0.0.1 that the UI customizations' ImageUrl points at while it runs."""
    cert, key = self_signed_certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ImageHost)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    motoplus.set_image_host(f"127.0.0.1:{server.server_port}")
    monkeypatch.setenv("AWS_CA_BUNDLE", str(cert))
    ImageHost.served = []
    try:
        yield server
    finally:
        motoplus.set_image_host(None)
        server.shutdown()
        thread.join()
        server.server_close()


def test_backup_keeps_the_logos_and_restore_sets_them_with_the_image_host_gone(server, image_host, tmp_path):
    idp = boto3_client(server.url, "cognito-idp", CREDS)
    pool = idp.create_user_pool(PoolName="branded")["UserPool"]["Id"]
    web = idp.create_user_pool_client(UserPoolId=pool, ClientName="web")["UserPoolClient"]["ClientId"]
    idp.create_user_pool_client(UserPoolId=pool, ClientName="plain")
    idp.create_user_pool_domain(UserPoolId=pool, Domain="branded-auth")
    pool_url = idp.set_ui_customization(UserPoolId=pool, CSS=".logo-customizable { max-width: 60%; }",
                                        ImageFile=PNG)["UICustomization"]["ImageUrl"]
    web_url = idp.set_ui_customization(UserPoolId=pool, ClientId=web, ImageFile=CLIENT_LOGO)["UICustomization"]["ImageUrl"]

    backup = back_up(server, pool, tmp_path)

    logos = json.loads(backup.read_text())["ui_logos"]
    assert logos == {"pool": {"url": pool_url, "content_type": "image/png", "base64": base64.b64encode(PNG).decode()},
                     web: {"url": web_url, "content_type": "image/png", "base64": base64.b64encode(CLIENT_LOGO).decode()}}
    assert sorted(ImageHost.served) == sorted(urlparse(url).path for url in (pool_url, web_url))
    image_host.shutdown()
    motoplus.set_image_host(None)

    summary = json.loads(restore(server, backup, "--create-pool", "--domain-prefix", "branded-restored").stdout)

    assert summary["complete"] and not any("logo" in w for w in summary["warnings"]), summary["warnings"]
    target, new_web = summary["target_pool_id"], summary["app_clients"][web]
    restored_pool = idp.get_ui_customization(UserPoolId=target)["UICustomization"]
    restored_web = idp.get_ui_customization(UserPoolId=target, ClientId=new_web)["UICustomization"]
    assert motoplus.image(urlparse(restored_pool["ImageUrl"]).path) == PNG
    assert motoplus.image(urlparse(restored_web["ImageUrl"]).path) == CLIENT_LOGO
    assert restored_pool["CSS"] == ".logo-customizable { max-width: 60%; }"


def test_logo_the_backup_could_not_fetch_is_a_warning_and_the_backup_succeeds(server, tmp_path):
    idp = boto3_client(server.url, "cognito-idp", CREDS)
    pool = idp.create_user_pool(PoolName="unreachable")["UserPool"]["Id"]
    idp.create_user_pool_domain(UserPoolId=pool, Domain="unreachable-auth")
    url = idp.set_ui_customization(UserPoolId=pool, ImageFile=PNG)["UICustomization"]["ImageUrl"]

    document = json.loads(back_up(server, pool, tmp_path).read_text())

    assert document["ui_logos"] == {}
    [warning] = [w for w in document["warnings"] if w["component"] == "ui_logos.pool"]
    assert url in warning["reason"]
