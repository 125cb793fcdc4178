"""Oracle for endian-demo: each stdin line is a format, values and our packed hex (or null for a refusal); checks
them against CPython's struct and prints "N cases, M mismatches" and the first mismatches. Run by tests/oracle.rs."""
import json
import struct
import sys


def value(v):
    kind, text = v["t"], v["v"]
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(text)
    if kind == "bool":
        return bool(text)
    return bytes.fromhex(text)


cases = mismatches = 0
shown = []
for line in sys.stdin:
    c = json.loads(line)
    cases += 1
    args = [value(v) for v in c["values"]]
    try:
        python = struct.pack(c["format"], *args).hex()
    except (struct.error, OverflowError):
        python = None
    if python != c["ours"]:
        mismatches += 1
        if len(shown) < 10:
            shown.append(f'{c["format"]!r} {args!r}: ours {c["ours"]} python {python}')
print(f"{cases} cases, {mismatches} mismatches")
for s in shown:
    print(s)
