"""Timing clients for the live page test: a plain Redis subscriber and a plain WebSocket client of
/api/events/live, each noting when every probe event arrives (milliseconds, wall clock), so that
each hop from publish to the browser is timed on its own."""
import json
import socket
import threading
import time


def stats(values):
    """`n= p50_ms= p99_ms= max_ms=` of `values` (milliseconds)."""
    v = sorted(values)
    if not v:
        return "n=0"
    p = lambda q: v[min(len(v) - 1, int(len(v) * q))]
    return f"n={len(v)} p50_ms={p(0.5):.1f} p99_ms={p(0.99):.1f} max_ms={v[-1]:.1f}"


class ProbeSubscriber:
    """A plain Redis subscriber on the channel, noting when each probe arrives (ms, wall clock)."""

    def __init__(self, r, channel):
        self.times, self.ready, self.done = {}, threading.Event(), False
        self.pubsub = r.pubsub()
        self.pubsub.subscribe(channel)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.done:
            m = self.pubsub.get_message(timeout=0.2)
            if m is None:
                continue
            if m["type"] == "subscribe":
                self.ready.set()
            elif m["type"] == "message":
                t = time.time() * 1000
                e = json.loads(m["data"])
                if e.get("event_type") == "probe":
                    self.times[e["id"]] = t

    def stop(self):
        self.done = True
        self.thread.join(5)
        self.pubsub.close()


class ProbeFeedClient:
    """A plain WebSocket client of /api/events/live (the handshake and unmasked server frames by
    hand: no library needed), noting when each probe arrives (ms, wall clock)."""

    def __init__(self, port, camera):
        self.times, self.ready, self.done = {}, threading.Event(), False
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall((f"GET /api/events/live?camera_id={camera} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.sock.recv(4096)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise AssertionError(f"the feed did not upgrade: {head[:60]}")
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def frame(self):
        """One whole frame off the buffer, (opcode, payload), or None if it has not all arrived."""
        if len(self.buf) < 2:
            return None
        n, at = self.buf[1] & 0x7F, 2
        if n >= 126:
            size = 2 if n == 126 else 8
            if len(self.buf) < 2 + size:
                return None
            n, at = int.from_bytes(self.buf[2:2 + size], "big"), 2 + size
        if len(self.buf) < at + n:
            return None
        op, payload, self.buf = self.buf[0] & 0x0F, self.buf[at:at + n], self.buf[at + n:]
        return op, payload

    def run(self):
        self.sock.settimeout(0.5)
        self.ready.set()
        while not self.done:
            f = self.frame()
            if f is None:
                try:
                    chunk = self.sock.recv(65536)
                except socket.timeout:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                self.buf += chunk
                continue
            if f[0] == 1:
                t = time.time() * 1000
                self.times[json.loads(f[1])["id"]] = t

    def stop(self):
        self.done = True
        self.thread.join(5)
        self.sock.close()
