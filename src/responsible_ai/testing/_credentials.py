"""A throw-away certificate authority and an RFC 3161 time-stamp authority on 127.0.0.1,
for tests of Content Credentials."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

__all__ = ["CredentialsPKI", "TimestampAuthority"]


@dataclass(frozen=True)
class CredentialsPKI:
    """A throw-away certificate authority for Content Credentials tests: a root, a C2PA
    signing leaf (the C2PA claim-signing purpose with emailProtection, as verifiers
    expect) and a time-stamping leaf, with PEM writers. ``CredentialsPKI.make("ec")``
    (ES256) or ``"ed25519"``."""

    root: Any
    root_key: Any
    leaf: Any
    key: Any
    tsa: Any
    tsa_key: Any

    @classmethod
    def make(cls, kind: str = "ec", *, days: int = 30) -> CredentialsPKI:
        import datetime as dt

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        now = dt.datetime.now(dt.UTC)

        def name(cn: str) -> x509.Name:
            return x509.Name([
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Newsroom"),
            ])  # fmt: skip

        def usage(**on: bool) -> x509.KeyUsage:
            names = ["digital_signature", "content_commitment", "key_encipherment",
                     "data_encipherment", "key_agreement", "key_cert_sign", "crl_sign",
                     "encipher_only", "decipher_only"]  # fmt: skip
            return x509.KeyUsage(**{n: on.get(n, False) for n in names})

        def builder(subject: str, public: Any, issuer: x509.Name) -> x509.CertificateBuilder:
            return (
                x509.CertificateBuilder()
                .subject_name(name(subject))
                .issuer_name(issuer)
                .public_key(public)
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(hours=1))
                .not_valid_after(now + dt.timedelta(days=days))
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            )

        root_key = ec.generate_private_key(ec.SECP256R1())
        root = (
            builder("Test Root CA", root_key.public_key(), name("Test Root CA"))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(usage(key_cert_sign=True, crl_sign=True), critical=True)
            .sign(root_key, hashes.SHA256())
        )
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key())
        key: Any = (
            ed25519.Ed25519PrivateKey.generate()
            if kind == "ed25519"
            else (ec.generate_private_key(ec.SECP256R1()))
        )
        leaf = (
            builder("Test AI Signer", key.public_key(), root.subject)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage(digital_signature=True), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [
                        x509.ObjectIdentifier("1.3.6.1.4.1.62558.2.1"),
                        ExtendedKeyUsageOID.EMAIL_PROTECTION,
                    ]
                ),
                critical=False,
            )
            .add_extension(aki, critical=False)
            .sign(root_key, hashes.SHA256())
        )
        tsa_key = ec.generate_private_key(ec.SECP256R1())
        tsa = (
            builder("Test Time-Stamp Authority", tsa_key.public_key(), root.subject)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage(digital_signature=True), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
            .add_extension(aki, critical=False)
            .sign(root_key, hashes.SHA256())
        )
        return cls(root, root_key, leaf, key, tsa, tsa_key)

    @staticmethod
    def pem(*items: Any) -> bytes:
        """Certificates and private keys as one PEM text (keys unencrypted, PKCS#8)."""
        from cryptography.hazmat.primitives import serialization

        out = b""
        for item in items:
            if hasattr(item, "public_bytes") and hasattr(item, "subject"):
                out += item.public_bytes(serialization.Encoding.PEM)
            else:
                out += item.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
        return out

    def write(self, directory: Any) -> dict[str, str]:
        """Writes ``key.pem``, ``chain.pem`` (leaf, root), ``root.pem``, ``tsa.pem`` (its leaf),
        ``tsa-key.pem`` into `directory`; returns their paths by name."""
        from pathlib import Path

        files = {
            "key": self.pem(self.key),
            "chain": self.pem(self.leaf, self.root),
            "root": self.pem(self.root),
            "tsa": self.pem(self.tsa),
            "tsa-key": self.pem(self.tsa_key),
        }
        paths = {}
        for stem, data in files.items():
            path = Path(directory) / f"{stem}.pem"
            path.write_bytes(data)
            paths[stem] = str(path)
        return paths


class TimestampAuthority:
    """An RFC 3161 time-stamp authority on 127.0.0.1 for tests: each POSTed
    ``application/timestamp-query`` is answered by ``openssl ts -reply`` with the
    `pki`'s time-stamping certificate (the token carries it; its root is the pki's root,
    which verifiers are given as an anchor). ``tsa.requests`` counts queries."""

    def __init__(self, pki: CredentialsPKI, directory: Any) -> None:
        from pathlib import Path

        self.paths = pki.write(directory)
        base = Path(directory)
        (base / "serial").write_text("01\n")
        self.config = base / "tsa.cnf"
        self.config.write_text(
            "[tsa]\ndefault_tsa = tsa_config\n[tsa_config]\n"
            f"dir = {base}\nserial = {base / 'serial'}\ncrypto_device = builtin\n"
            f"signer_cert = {self.paths['tsa']}\ncerts = {self.paths['tsa']}\n"
            f"signer_key = {self.paths['tsa-key']}\nsigner_digest = sha256\n"
            "default_policy = 1.2.3.4.1\nother_policies = 1.2.3.4.5\n"
            "digests = sha256, sha384, sha512\naccuracy = secs:1\nordering = yes\n"
            "tsa_name = no\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n"
        )
        self.directory = base
        self.requests = 0
        self._server: ThreadingHTTPServer | None = None

    def __enter__(self) -> Self:
        import subprocess
        import tempfile

        authority = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                size = int(self.headers.get("content-length", "0"))
                query = self.rfile.read(size)
                authority.requests += 1
                with tempfile.NamedTemporaryFile(dir=authority.directory, suffix=".tsq") as q:
                    q.write(query)
                    q.flush()
                    done = subprocess.run(
                        ["openssl", "ts", "-reply", "-config", str(authority.config),
                         "-queryfile", q.name],
                        capture_output=True, check=False, timeout=20,
                    )  # fmt: skip
                if done.returncode != 0:
                    self.send_response(500)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("content-type", "application/timestamp-reply")
                self.send_header("content-length", str(len(done.stdout)))
                self.end_headers()
                self.wfile.write(done.stdout)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/tsa"

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
