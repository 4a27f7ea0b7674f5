#!/usr/bin/env python3
"""Writes Lambda events for golden finding dumps: every CRS corpus record as an API Gateway v1 event
(as CRSCorpus.swift builds it), the same inputs in capitals, each body inside an SQS record, and
a few dozen query/header mixes. Usage: Benchmarks/golden-events.py [CORPUS.jsonl] > events.jsonl (default: the test fixture copy),
then `DetectBenchmark --findings events.jsonl` on two builds and `cmp` the outputs."""
import json, sys

def apigw(rec, upper=False):
    f = (lambda s: s.upper()) if upper else (lambda s: s)
    query = {}
    for pair in rec.get("query") or []:
        if len(pair) == 2 and isinstance(pair[0], str) and isinstance(pair[1], str):
            query.setdefault(f(pair[0]), []).append(f(pair[1]))
    headers = {f(k): f(v) for k, v in (rec.get("headers") or {}).items() if isinstance(v, str)}
    body = rec.get("body")
    if body is not None and not any(k.lower() == "content-type" for k in headers) and rec.get("content_type"):
        headers["Content-Type"] = rec["content_type"]
    return {"resource": "/{proxy+}", "path": rec.get("path") or "/", "httpMethod": rec.get("method") or "GET",
            "headers": headers, "multiValueQueryStringParameters": query or None,
            "requestContext": {"identity": {"sourceIp": "198.51.100.7"}},
            "body": f(body) if isinstance(body, str) else None, "isBase64Encoded": False}

def sqs(bodies):
    return {"Records": [{"messageId": str(i), "body": b, "eventSource": "aws:sqs",
                         "attributes": {"SentTimestamp": "1795416000000"}} for i, b in enumerate(bodies)]}

out = sys.stdout
import os
corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../Tests/PalisadeDetectTests/Fixtures/crs/crs-regression.jsonl")
recs = [json.loads(l) for l in open(corpus) if l.strip()]
for rec in recs:
    out.write(json.dumps(apigw(rec), ensure_ascii=False) + "\n")
for rec in recs:
    out.write(json.dumps(apigw(rec, upper=True), ensure_ascii=False) + "\n")
values = []
for rec in recs:
    for inp in rec.get("inputs") or []:
        if isinstance(inp.get("value"), str):
            values.append(inp["value"])
for i in range(0, len(values), 7):
    chunk = values[i:i + 7]
    out.write(json.dumps(sqs(chunk + [json.dumps({"note": v, v[:40]: [v]}) for v in chunk]), ensure_ascii=False) + "\n")
for i in range(0, len(values), 5):
    chunk = values[i:i + 5]
    ev = {"version": "2.0", "routeKey": "POST /x", "rawPath": "/x", "rawQueryString": "&".join("q%d=%s" % (j, v) for j, v in enumerate(chunk)),
          "cookies": ["c%d=%s" % (j, v) for j, v in enumerate(chunk)], "headers": {"x-h%d" % j: v for j, v in enumerate(chunk)},
          "requestContext": {"http": {"method": "POST", "path": "/x"}}, "body": json.dumps({"items": chunk, "o": {v[:30]: v for v in chunk}}), "isBase64Encoded": False}
    out.write(json.dumps(ev, ensure_ascii=False) + "\n")
out.write("not json\n")
