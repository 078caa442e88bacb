#!/usr/bin/env python3
"""Cordon response plug-in `ticket` (protocol 1, docs/plugins.md).

POSTs a ticket (title, incident id, rule, user, action, masked findings)
as JSON to the `url` parameter and answers with the id the ticket system
gives back: `{"id": 123}` (or `ticket`, `key`, `number`). Findings are
sent as the incident holds them: masked. Python 3 standard library only;
the environment is cleared by Cordon, so no proxy is used.
"""

import json
import sys
import urllib.error
import urllib.parse
import urllib.request

MAX_ANSWER = 64 << 10


def answer(status, message, **details):
    json.dump({"status": status, "message": message, "details": details}, sys.stdout)
    sys.stdout.write("\n")
    return 0


def ticket_of(incident):
    details = incident.get("details") or {}
    event = details.get("event") or {}
    findings = [
        {k: f.get(k) for k in ("detector", "category", "confidence", "location", "masked")}
        for f in details.get("findings") or []
        if isinstance(f, dict)
    ]
    rule = incident.get("rule_name") or incident.get("rule_id") or ""
    return {
        "title": "Cordon incident %s: %s" % (incident.get("id"), rule),
        "incident": incident.get("id"),
        "rule": rule,
        "policy": incident.get("policy_id"),
        "user": incident.get("username"),
        "action": incident.get("action") or event.get("action"),
        "file": (event.get("file") or {}).get("path"),
        "categories": incident.get("categories") or [],
        "findings": findings,
    }


def main():
    request = json.load(sys.stdin)
    if request.get("protocol") != 1:
        print("ticket: unsupported protocol %r" % request.get("protocol"), file=sys.stderr)
        return 2
    params = request.get("params") or {}
    url = params["url"]
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        return answer("failed", "Ticket URL must be http or https")
    timeout = float(params.get("timeout_s") or 10)
    # Leave the plug-in's deadline some room to answer.
    deadline = request.get("deadline_ms")
    if isinstance(deadline, (int, float)) and deadline > 0:
        timeout = max(0.1, min(timeout, deadline / 1000.0 - 1.0))

    body = json.dumps(ticket_of(request.get("incident") or {})).encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": "cordon-plugin-ticket/1.0"}
    if params.get("token"):
        headers["Authorization"] = "Bearer " + params["token"]
    http = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(http, timeout=timeout) as reply:
            raw = reply.read(MAX_ANSWER + 1)
    except urllib.error.HTTPError as e:
        return answer("failed", "Ticket system answered HTTP %d" % e.code)
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        return answer("failed", "Ticket system unreachable: %s" % reason)
    if len(raw) > MAX_ANSWER:
        return answer("failed", "Ticket system's answer is too large")
    try:
        data = json.loads(raw)
    except ValueError:
        return answer("failed", "Ticket system's answer is not JSON")
    ticket = None
    if isinstance(data, dict):
        ticket = next((data[k] for k in ("id", "ticket", "key", "number") if data.get(k) not in (None, "")), None)
    if ticket is None:
        return answer("failed", "Ticket system's answer has no ticket id")
    return answer("ok", "Ticket %s opened" % ticket, ticket=ticket)


if __name__ == "__main__":
    sys.exit(main())
