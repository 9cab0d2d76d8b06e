"""Row 1, Python: N sequential GETs on one requests.Session (keep-alive),
each body decoded with r.json().

    python3 seq_requests.py URL CAFILE KEY N WARMUP

Prints {"n": N, "seconds": S} for the N timed requests.
"""
import json
import sys
import time

import requests


def main():
    url, cafile, key, n, warmup = sys.argv[1:6]
    session = requests.Session()
    session.verify = cafile
    session.headers.update({"X-Secret-Key": key,
                            "Accept": "application/json"})

    def one():
        r = session.get(url, verify=cafile)  # beats REQUESTS_CA_BUNDLE
        r.raise_for_status()
        return r.json()

    for _ in range(int(warmup)):
        one()
    t0 = time.monotonic()
    for _ in range(int(n)):
        assert one()["data"][0]["id"] == 1
    t1 = time.monotonic()
    print(json.dumps({"n": int(n), "seconds": t1 - t0}))


main()
