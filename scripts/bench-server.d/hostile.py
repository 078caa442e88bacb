#!/usr/bin/env python3
"""Hostile loads against a running `cordon serve`, for scripts/bench-hostile.

  hostile.py big URL KEY SECONDS     one key sends 900 KB events, 8 at a time
  hostile.py slow URL KEY COUNT      COUNT uploads that trickle their body

Prints what the server answered (status counts). Standard library only.
"""
import http.client
import json
import socket
import sys
import threading
import time
from collections import Counter
from urllib.parse import urlparse


def big(url, key, seconds):
    u = urlparse(url)
    meta = {f"k{i}": "x" * 1000 for i in range(880)}  # ~900 KB of metadata
    body = json.dumps({
        "action": "download",
        "user": {"username": "mallory"},
        "file": {"path": "/a.xlsx", "classification": {"categories": ["PII"]}},
        "metadata": meta,
    }).encode()
    counts = Counter()
    stop = time.time() + seconds
    lock = threading.Lock()

    def worker():
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        while time.time() < stop:
            try:
                c.request("POST", "/v1/decide", body, {
                    "Authorization": f"Bearer {key}",
                    "Content-Type": "application/json"})
                r = c.getresponse()
                r.read()
                s = r.status
            except Exception as e:  # noqa: BLE001 - counted, then reconnect
                s = type(e).__name__
                c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            with lock:
                counts[s] += 1

    ts = [threading.Thread(target=worker) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(f"big events ({len(body)} bytes each): {dict(counts)}")


def slow(url, key, count):
    u = urlparse(url)
    socks = []
    head = (f"POST /v1/inspect?name=a.txt HTTP/1.1\r\nHost: {u.hostname}\r\n"
            f"Authorization: Bearer {key}\r\nContent-Length: 10000000\r\n\r\n").encode()
    for _ in range(count):
        try:
            s = socket.create_connection((u.hostname, u.port), timeout=5)
            s.sendall(head)
            socks.append(s)
        except OSError:
            pass
    # Trickle one byte a second to each for 20 s.
    for _ in range(20):
        for s in list(socks):
            try:
                s.send(b"a")
            except OSError:
                socks.remove(s)
        time.sleep(1)
    answered = Counter()
    for s in socks:
        try:
            s.settimeout(0.2)
            line = s.recv(64).split(b"\r\n")[0].decode(errors="replace")
            answered[line[:32] or "open"] += 1
        except OSError:
            answered["open"] += 1
        s.close()
    print(f"slow uploads: {count} opened; after 20 s: {dict(answered)}")


if __name__ == "__main__":
    mode, url, key, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    big(url, key, n) if mode == "big" else slow(url, key, n)
