"""A throwaway Google service-account key for the tests (a new RSA key each call, never a
real account's), and the pieces of it that no log, file or table may show."""

from __future__ import annotations


def service_account(token_uri: str = "https://oauth2.googleapis.com/token") -> dict:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return {"type": "service_account", "project_id": "hongbang",
            "private_key_id": "4f1c9d0e2b7a4c5d8e9f0a1b2c3d4e5f6a7b8c9d", "private_key": pem,
            "client_email": "pipeline@hongbang.iam.gserviceaccount.com",
            "client_id": "1234567890", "token_uri": token_uri}


def key_fragments(info: dict) -> list[str]:
    """Pieces of the key that must never be seen: its id and each line of its body."""
    body = [line for line in info["private_key"].splitlines() if "-----" not in line]
    return [info["private_key_id"], *body]
