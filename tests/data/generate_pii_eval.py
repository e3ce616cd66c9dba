"""Generate the labelled PII evaluation set: tests/data/pii_eval.jsonl.

    python tests/data/generate_pii_eval.py

Deterministic (fixed seeds). Sentences come from templates in the way people write
them to an assistant; values come from Faker in several locales (phone numbers,
IBANs, cards, dates as each locale formats them) or are generated here in the real
formats of secrets (provider key prefixes, signed-looking JWTs, PEM blocks). Every
inserted value is labelled with its exact span. About a fifth of the sentences hold
no PII, many of them look-alikes: order and invoice numbers, version strings, ISBNs,
timestamps, amounts, meeting dates, tracking numbers.
"""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Callable
from pathlib import Path

from faker import Faker

LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL"]
OUT = Path(__file__).with_name("pii_eval.jsonl")
PER_TYPE = 220

rng = random.Random(20261123)
fakers = {loc: Faker(loc) for loc in LOCALES}
for i, f in enumerate(fakers.values()):
    f.seed_instance(1000 + i)


def pick(seq: list[str]) -> str:
    return rng.choice(seq)


def name(f: Faker) -> str:
    return f.name()


# ------------------------------------------------------------------ value makers


def phone(f: Faker) -> str:
    return f.phone_number()


def email(f: Faker) -> str:
    return f.email()


def card(f: Faker) -> str:
    kind = pick(["visa16", "mastercard", "amex", "discover", "jcb16", "visa16", "mastercard"])
    number = f.credit_card_number(card_type=kind)
    style = rng.random()
    if len(number) == 16 and style < 0.35:
        return " ".join(number[i : i + 4] for i in range(0, 16, 4))
    if len(number) == 16 and style < 0.5:
        return "-".join(number[i : i + 4] for i in range(0, 16, 4))
    if len(number) == 15 and style < 0.4:
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    return number


def ssn(f: Faker) -> str:
    return fakers["en_US"].ssn()


def iban(f: Faker) -> str:
    value = f.iban()
    if rng.random() < 0.5:
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return value


def ip(f: Faker) -> str:
    r = rng.random()
    if r < 0.4:
        return f.ipv4_public()
    if r < 0.6:
        return f.ipv4_private()
    return f.ipv6()


def url(f: Faker) -> str:
    r = rng.random()
    if r < 0.5:
        return f.url()
    if r < 0.8:
        return f.uri()
    return f"https://{f.domain_name()}/account/{rng.randint(1000, 99999)}?ref={f.user_name()}"


def dob(f: Faker) -> str:
    d = f.date_of_birth(minimum_age=18, maximum_age=90)
    fmt = pick(
        ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d %B %Y", "%B %d, %Y", "%d-%m-%Y"]
    )
    return d.strftime(fmt)


def _rand(chars: str, n: int) -> str:
    return "".join(rng.choice(chars) for _ in range(n))


ALNUM = string.ascii_letters + string.digits
B64URL = ALNUM + "-_"


def api_key(f: Faker) -> str:
    kind = rng.randrange(8)
    if kind == 0:
        return "sk-proj-" + _rand(B64URL, 48)
    if kind == 1:
        return "sk-ant-api03-" + _rand(B64URL, 80)
    if kind == 2:
        return "AKIA" + _rand(string.ascii_uppercase + string.digits, 16)
    if kind == 3:
        return "ghp_" + _rand(ALNUM, 36)
    if kind == 4:
        return "sk_live_" + _rand(ALNUM, 24)
    if kind == 5:
        return (
            "xoxb-" + "-".join(_rand(string.digits, 12) for _ in range(2)) + "-" + _rand(ALNUM, 24)
        )
    if kind == 6:
        return "AIza" + _rand(B64URL, 35)
    return "sk-" + _rand(ALNUM, 48)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(f: Faker) -> str:
    header = _b64(json.dumps({"alg": pick(["HS256", "RS256", "ES256"]), "typ": "JWT"}).encode())
    payload = _b64(
        json.dumps(
            {"sub": str(rng.randint(1, 10**9)), "name": f.name(), "iat": rng.randint(1.6e9, 1.8e9)}
        ).encode()
    )
    return f"{header}.{payload}.{_rand(B64URL, 43)}"


def bearer(f: Faker) -> str:
    return _rand(ALNUM + "._-", rng.randint(24, 64))


def password(f: Faker) -> str:
    return _rand(ALNUM + "!#%^*", rng.randint(8, 20))


def private_key(f: Faker) -> str:
    kind = pick(["RSA ", "EC ", "", "OPENSSH "])
    body = "\n".join(_rand(ALNUM + "+/", 64) for _ in range(rng.randint(3, 8)))
    return f"-----BEGIN {kind}PRIVATE KEY-----\n{body}\n-----END {kind}PRIVATE KEY-----"


# ------------------------------------------------------------------ templates

TEMPLATES: dict[str, tuple[Callable[[Faker], str], list[str]]] = {
    "PHONE_NUMBER": (phone, [
        "Please call me back on {v} when you have a minute.",
        "My mobile number is {v}.",
        "Tel: {v}",
        "You can reach {name} at {v} after 5pm.",
        "Contact phone for the delivery: {v}",
        "Ring the office on {v} tomorrow morning.",
        "Her phone number changed to {v} last week.",
        "For urgent questions call {v} (24/7).",
        "{name} | {v} | Sales team",
    ]),
    "EMAIL_ADDRESS": (email, [
        "Send the signed form to {v} please.",
        "{name} <{v}> wrote: can we move the meeting?",
        "Her address is {v}, not the old one.",
        "cc: {v}",
        "Reply to {v}; the shared inbox is not monitored.",
    ]),
    "CREDIT_CARD": (card, [
        "My card number is {v}, expiry 08/29.",
        "Please charge the credit card {v} for the renewal.",
        "Card: {v}",
        "The payment failed with card {v} again.",
        "I paid with my Visa {v} yesterday.",
        "Please refund {v} for the cancelled order.",
    ]),
    "US_SSN": (ssn, [
        "SSN: {v}",
        "My social security number is {v}.",
        "{name}, SSN {v}, applied in March.",
        "Taxpayer record {v} needs an update.",
    ]),
    "IBAN_CODE": (iban, [
        "Please transfer the refund to IBAN {v}.",
        "Account: {v} (BIC on file).",
        "New bank details: {v}",
        "The direct debit will come from {v} each month.",
    ]),
    "IP_ADDRESS": (ip, [
        "The login came from IP {v} at midnight.",
        "Server {v} stopped answering health checks.",
        "Block {v} on the firewall.",
        "Client address was {v} according to the logs.",
        "Why does {v} show up twice in this report?",
    ]),
    "URL": (url, [
        "See {v} for the full statement.",
        "Her profile is at {v}",
        "I uploaded the scans to {v} yesterday.",
        "Link: {v}",
    ]),
    "DATE_OF_BIRTH": (dob, [
        "Date of birth: {v}",
        "{name} was born on {v} in Leeds.",
        "DOB {v}, member since 2019.",
        "My birthday is {v}, please update the record.",
        "Born {v}; policy holder since 2020.",
    ]),
    "API_KEY": (api_key, [
        "Here is my key, {v}, why does it fail?",
        "export OPENAI_API_KEY={v}",
        "The config has api_key: \"{v}\" in it.",
        "Token {v} was rotated last night.",
    ]),
    "JWT": (jwt, [
        "The session cookie is {v}",
        "Decode this token for me: {v}",
        "id_token={v}",
    ]),
    "BEARER_TOKEN": (bearer, [
        "Authorization: Bearer {v}",
        "curl -H 'Authorization: Bearer {v}' \"$API_BASE/v1/items\"",
        "I sent the header bearer {v} and got 401.",
    ]),
    "PASSWORD": (password, [
        "DATABASE_URL=postgres://app:{v}@db.internal:5432/prod",
        "Server=tcp:sql01;Database=crm;User Id=sa;Password={v};",
        "mysql://root:{v}@db-shop/shop fails to connect",
        "The wifi password: {v}",
    ]),
    "PRIVATE_KEY": (private_key, [
        "Why does ssh reject this key?\n{v}\nThanks!",
        "{v}",
    ]),
}  # fmt: skip

NEGATIVES = [
    lambda f: f"Order #{rng.randint(10_000_000, 9_999_999_999)} has shipped and should arrive on Friday.",
    lambda f: f"Invoice INV-2026-{rng.randint(10000, 99999)} is due on {f.date_between('-30d', '+60d').strftime('%d/%m/%Y')}.",
    lambda f: f"We upgraded to version {rng.randint(1, 12)}.{rng.randint(0, 30)}.{rng.randint(0, 99)} (build {rng.randint(1000, 9999)}).",
    lambda f: f"Firmware version {rng.randint(1, 20)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 99)} fixes the reboot loop.",
    lambda f: f"The meeting is at {rng.randint(8, 18)}:{rng.choice(['00', '15', '30', '45'])} on {f.date_between('-10d', '+30d').isoformat()}.",
    lambda f: f"Revenue grew {rng.randint(1, 40)}.{rng.randint(0, 9)}% to ${rng.randint(1, 999)},{rng.randint(100, 999)},{rng.randint(100, 999)}.{rng.randint(10, 99)} in Q{rng.randint(1, 4)}.",
    lambda f: f"ISBN 978-{rng.randint(0, 9)}-{rng.randint(10, 99)}-{rng.randint(100000, 999999)}-{rng.randint(0, 9)} is out of print.",
    lambda f: f"Tracking number {rng.randint(1000, 9999)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)} shows it in transit.",
    lambda f: f"SKU-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}-{rng.randint(10, 99)} is back in stock.",
    lambda f: f"Ticket {rng.randint(100000, 999999)} was closed after {rng.randint(2, 90)} minutes.",
    lambda f: f"The event log shows {f.date_time_this_year().isoformat()}Z as the first failure.",
    lambda f: f"Room {rng.randint(100, 999)} on floor {rng.randint(1, 12)} is booked until {rng.randint(1, 12)}pm.",
    lambda f: f"Our postcode is {f.postcode()} and we open at 9.",
    lambda f: f"Please review the attached draft before {f.day_of_week()} and send comments.",
    lambda f: f"{f.catch_phrase()}. {f.bs().capitalize()}.",
    lambda f: f"The quarterly report for {f.company()} shows {rng.randint(2, 30)} new branches.",
    lambda f: f"Case reference {rng.randint(1000, 9999)}/{rng.randint(2020, 2026)} was escalated.",
    lambda f: f"Commit {_rand('0123456789abcdef', 40)} introduced the bug.",
    lambda f: f"Package size: {rng.randint(10, 99)} x {rng.randint(10, 99)} x {rng.randint(10, 99)} cm, {rng.randint(1, 30)}.{rng.randint(0, 9)} kg.",
    lambda f: f"The contract starts {f.date_between('-1y', '+1y').strftime('%d.%m.%Y')} and runs for {rng.randint(6, 36)} months.",
    lambda f: f"Customer ID {rng.randint(0, 99_999_999):010d} asked for a callback.",
    lambda f: f"Reference no. {rng.randint(0, 9_999_999):09d} was archived.",
    lambda f: f"Call volume rose to {rng.randint(1000, 99999)} calls in {rng.randint(2020, 2026)}.",
    lambda f: f"Use the sk-learn pipeline and the hf_hub helpers; {f.sentence()}",
]  # fmt: skip


def main() -> None:
    rows = []
    for entity, (make, templates) in TEMPLATES.items():
        for i in range(PER_TYPE):
            loc = LOCALES[i % len(LOCALES)]
            f = fakers[loc]
            template = templates[i % len(templates)]
            value = make(f)
            before, _, after = template.partition("{v}")
            before = before.replace("{name}", name(f))
            after = after.replace("{name}", name(f))
            text = before + value + after
            rows.append({
                "text": text, "locale": loc, "kind": entity,
                "spans": [{"type": entity, "start": len(before), "end": len(before) + len(value)}],
            })  # fmt: skip
    for i in range(len(rows) // 4):
        loc = LOCALES[i % len(LOCALES)]
        text = NEGATIVES[i % len(NEGATIVES)](fakers[loc])
        rows.append({"text": text, "locale": loc, "kind": "NONE", "spans": []})
    rng.shuffle(rows)
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} sentences to {OUT}")


if __name__ == "__main__":
    main()
