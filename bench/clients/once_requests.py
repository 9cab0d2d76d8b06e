"""Row 4, Python: one GET with requests, the body decoded, then exit.

    TASKIP_SECRET_KEY=... python3 once_requests.py URL CAFILE
"""
import os
import sys

import requests

r = requests.get(sys.argv[1], verify=sys.argv[2],
                 headers={"X-Secret-Key": os.environ["TASKIP_SECRET_KEY"],
                          "Accept": "application/json"})
r.raise_for_status()
r.json()
