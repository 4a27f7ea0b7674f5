"""A deliberately vulnerable Python function for Palisade's end-to-end tests and README examples.

Each route makes one classic serverless mistake. Do not deploy it anywhere.
"""
import json
import os
import sqlite3
import subprocess
import traceback
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def _answer(status, payload):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(payload)}


def _users(user_id):
    db = sqlite3.connect(":memory:")
    db.executescript("CREATE TABLE users (id TEXT, name TEXT); INSERT INTO users VALUES ('1', 'ada'), ('2', 'grace');")
    # SQL built by string concatenation.
    rows = db.execute("SELECT name FROM users WHERE id = '" + user_id + "'").fetchall()
    return [name for (name,) in rows]


def handler(event, context):
    path = event.get("path") or event.get("rawPath") or "/"
    query = event.get("queryStringParameters") or {}
    if path == "/exec":
        # A shell command built from a query parameter.
        output = subprocess.run("echo " + query.get("cmd", ""), shell=True, capture_output=True, text=True).stdout
        return _answer(200, {"output": output})
    if path == "/users":
        return _answer(200, {"users": _users(query.get("id", ""))})
    if path == "/fetch":
        # Fetches whatever URL the caller names.
        try:
            with urllib.request.urlopen(query.get("url", ""), timeout=2) as response:
                return _answer(200, {"status": response.status})
        except Exception as error:  # the caller learns why
            return _answer(502, {"error": str(error)})
    if path == "/file":
        # Reads a file by a caller-chosen name.
        try:
            with open(os.path.join(HERE, "files", query.get("name", "")), encoding="utf-8") as file:
                return _answer(200, {"content": file.read()})
        except OSError as error:
            return _answer(404, {"error": str(error)})
    if path == "/calc":
        return _answer(200, {"result": eval(query.get("expr", "0"))})
    if path == "/debug" and query.get("env") == "1":
        # A debug switch left on: dumps the environment, credentials included.
        return _answer(200, dict(os.environ))
    if path == "/crash":
        try:
            {}["missing"]
        except KeyError:
            return {"statusCode": 500, "body": traceback.format_exc()}
    return _answer(200, {"hello": query.get("name", "world")})


def sqs_handler(event, context):
    """Processes each SQS message; returns what it saw so tests can tell which records arrived."""
    return {"processed": [record["messageId"] for record in event.get("Records", [])]}


def echo(event, context):
    """Returns the event and the invocation's context, to check what reaches the function."""
    return {
        "event": event,
        "requestId": context.aws_request_id,
        "functionArn": context.invoked_function_arn,
        "clientContext": getattr(context.client_context, "custom", None) if context.client_context else None,
        "cognitoIdentityId": context.identity.cognito_identity_id if context.identity else None,
    }


def noop(event, context):
    return {}
