"""A deliberately vulnerable function for the behaviour guard's end-to-end tests. Do not deploy it.

Each route trusts a query parameter: a shell command, a file name, a URL; `/beacon` connects to
BEACON_ADDRESS:BEACON_PORT on its own, as code calling a forbidden endpoint would.
"""
import json
import os
import socket
import subprocess
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def _answer(status, payload):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(payload)}


def handler(event, context):
    path = event.get("path") or "/"
    query = event.get("queryStringParameters") or {}
    try:
        if path == "/convert":
            # A shell command built from a query parameter.
            result = subprocess.run("echo converting " + query.get("doc", ""), shell=True, capture_output=True, text=True, timeout=10)
            return _answer(200, {"output": result.stdout})
        if path == "/read":
            # A file read by a caller-chosen name.
            with open(os.path.join(HERE, "docs", query.get("name", "")), encoding="utf-8", errors="replace") as file:
                return _answer(200, {"content": file.read()})
        if path == "/fetch":
            # Whatever URL the caller names.
            with urllib.request.urlopen(query.get("url", ""), timeout=3) as response:
                return _answer(200, {"status": response.status, "body": response.read().decode()})
        if path == "/beacon":
            with socket.socket() as connection:
                connection.settimeout(3)
                connection.connect((os.environ["BEACON_ADDRESS"], int(os.environ["BEACON_PORT"])))
                return _answer(200, {"connected": True})
    except Exception as error:  # the caller learns why, so the tests can see the refusal
        return _answer(500, {"error": "%s: %s" % (type(error).__name__, error)})
    return _answer(404, {"error": "no route"})
