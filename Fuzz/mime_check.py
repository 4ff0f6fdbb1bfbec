"""Parse messages rendered by fuzz-mime (FUZZ_MIME_DUMP) with Tests/Support/mime_parse.py, the
strict parser the MIME tests use, and compare each with what it should say (the .json beside it).

Usage: python3 mime_check.py DIR. Prints one line per mismatch and a summary; exits 1 on any.
"""
import base64
import contextlib
import importlib.util
import io
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("mime_parse", os.path.join(HERE, "..", "Tests", "Support", "mime_parse.py"))
mime_parse = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mime_parse)


def parse(path):
    sys.argv = ["mime_parse.py", path]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        mime_parse.main()
    return json.loads(out.getvalue())


def squeeze(text):
    return "".join(text.split())


def problems(result, expected):
    if result["error"]:
        return ["parser error: " + result["error"]]
    found = []
    # A raw UTF-8 address (RFC 6532, sent with SMTPUTF8) is undecodable to a parser of ASCII headers.
    utf8_address = any(not a["address"].isascii() for a in expected["to"])
    defects = [d for d in result["defects"] if not (utf8_address and ("NonASCIILocalPart" in d or "UndecodableBytes" in d))]
    if defects:
        found.append("defects: %s" % defects)
    names = [h["name"] for h in result["headers"] if not h["name"].startswith("Content-")]
    if names != expected["headerNames"]:
        found.append("headers %s, expected %s" % (names, expected["headerNames"]))
    headers = {h["name"]: h for h in result["headers"]}
    subject = headers.get("Subject", {}).get("value")
    if subject != expected["subject"]:
        found.append("subject %r, expected %r" % (subject, expected["subject"]))
    # Display names compare without whitespace: RFC 5322 reads a run of whitespace in a phrase as one
    # space, and Python keeps the space between adjacent encoded-words in a phrase, which RFC 2047
    # drops (the encoder needs adjacent ones only for a name too long for one word).
    to = [(squeeze(a["displayName"]), a["address"]) for a in (headers.get("To", {}).get("addresses") or [])]
    want = [(squeeze(a["displayName"]), a["address"]) for a in expected["to"]]
    if utf8_address:
        to, want = [n for n, _ in to], [n for n, _ in want]
    if to != want:
        found.append("to %r, expected %r" % (to, want))
    bodies = [expected["text"]] + ([expected["html"]] if expected["html"] is not None else [])
    payloads = [base64.b64decode(p["payloadBase64"]).decode("utf-8") for p in result["parts"]]
    if payloads != bodies:
        found.append("bodies %r, expected %r" % (payloads, bodies))
    return found


def main():
    directory = sys.argv[1]
    messages = sorted(f for f in os.listdir(directory) if f.endswith(".eml"))
    failed = 0
    for name in messages:
        path = os.path.join(directory, name)
        with open(path[:-4] + ".json") as handle:
            expected = json.load(handle)
        found = problems(parse(path), expected)
        if found:
            failed += 1
            print("%s: %s" % (path, "; ".join(found)))
    print("%d messages parsed, %d with problems" % (len(messages), failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
