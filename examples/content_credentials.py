"""Content Credentials, end to end and offline: a newsroom marks an AI draft, an editor
edits it under the newsroom's editorial responsibility, a reader verifies both.

    python examples/content_credentials.py

In production the key and chain come from RAI_C2PA_KEY / RAI_C2PA_CHAIN and the policy's
``[provenance.credentials]`` marks the answers of a `Guard`; here a throw-away CA stands in.
"""

from __future__ import annotations

import responsible_ai as rai
from responsible_ai.testing import CredentialsPKI


def main() -> None:
    pki = CredentialsPKI.make("ec")
    creds = rai.Credentials(rai.CredentialSigner.of(pki.key, [pki.leaf, pki.root]))

    draft = creds.mark(
        "Markets closed higher on Friday; the central bank left rates unchanged.",
        {"use_case": "newsroom.brief", "provider": "openai-prod", "served_model": "gpt-4.1"},
    )
    print("draft:  ", rai.verify_credentials(str(draft), trust=[pki.root]).line())

    edited = creds.review(
        draft,
        responsible="Example News Ltd (duty editor)",
        edited=draft.visible.replace("higher", "slightly higher"),
    )
    verdict = rai.verify_credentials(str(edited), trust=[pki.root])
    print("edited: ", verdict.line())
    print("actions:", ", ".join(verdict.actions))
    print("tampered:", rai.verify_credentials(str(edited).replace("rates", "taxes")).line())
    print("stripped:", rai.verify_credentials(edited.visible).state)


if __name__ == "__main__":
    main()
