"""Parse one RFC 5322 message with Python's stdlib `email` package and print it as JSON.

Used by the MIME tests as an independent parser: `python3 mime_parse.py MESSAGE_FILE`.
Output: {"error", "defects", "headers": [{"name", "value", "addresses"}], "contentType",
"parts": [{"contentType", "charset", "transferEncoding", "payloadBase64", "headerNames"}]}.
With policy.strict any defect the parser reports as fatal becomes "error".
"""
import base64
import json
import sys
from email import policy
from email.parser import BytesParser


def defects_of(obj):
    return [type(d).__name__ + ": " + str(d) for d in getattr(obj, "defects", [])]


def main():
    with open(sys.argv[1], "rb") as handle:
        raw = handle.read()
    result = {"error": None, "defects": [], "headers": [], "contentType": None, "parts": []}
    try:
        message = BytesParser(policy=policy.strict).parsebytes(raw)
        result["contentType"] = message.get_content_type()
        for name, value in message.items():
            header = {"name": name, "value": str(value), "addresses": None}
            if hasattr(value, "addresses"):
                header["addresses"] = [
                    {"displayName": a.display_name, "address": a.addr_spec} for a in value.addresses
                ]
            result["defects"] += [name + ": " + d for d in defects_of(value)]
            result["headers"].append(header)
        for part in message.walk():
            result["defects"] += defects_of(part)
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True) or b""
            result["parts"].append({
                "contentType": part.get_content_type(),
                "charset": part.get_content_charset(),
                "transferEncoding": part.get("Content-Transfer-Encoding"),
                "payloadBase64": base64.b64encode(payload).decode("ascii"),
                "headerNames": list(part.keys()) if part is not message else [],
            })
    except Exception as error:  # report, do not crash: the Swift test shows the reason
        result["error"] = type(error).__name__ + ": " + str(error)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
