"""Write a Maildir of N realistic emails for the ingestion budget (see README: ingest_email).

python -m bench.email.make_maildir PATH [N]: a fifth are replies threaded to earlier mail by
In-Reply-To, a tenth are multipart/alternative, one in fifty an auto-reply.
"""

import sys
from pathlib import Path


def message(n: int) -> bytes:
    sender = f"customer{(n // 5) % 2000}@customer.example"  # a reply comes from the same sender
    headers = [f"From: Customer {(n // 5) % 2000} <{sender}>", "To: support@helpdesk.localhost"]
    headers.append(f"Message-ID: <bench-{n}@customer.example>")
    if n % 5 == 4:
        headers += [f"Subject: Re: Question {n - 1}", f"In-Reply-To: <bench-{n - 1}@customer.example>"]
    else:
        headers.append(f"Subject: Question {n} about my order")
    if n % 50 == 7:
        headers.append("Auto-Submitted: auto-replied")
    body = f"Hello,\n\nmy order {n} has not arrived yet. Could you check it?\n\nThanks\n\n> earlier text\n"
    if n % 10 == 3:
        headers += ["MIME-Version: 1.0", 'Content-Type: multipart/alternative; boundary="b"']
        body = (
            f"--b\nContent-Type: text/plain\n\n{body}\n--b\nContent-Type: text/html\n\n<p>{body}</p>\n--b--\n"
        )
    return ("\n".join(headers) + "\n\n" + body).encode()


def main(path: str, count: int = 10_000) -> None:
    root = Path(path)
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for n in range(count):
        # Maildir names sort in delivery order here, so a reply is ingested after what it answers.
        (root / "new" / f"{1_700_000_000 + n:012d}.M{n:06d}P1.bench").write_bytes(message(n))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10_000)
