#!/usr/bin/env python3
"""The seed's consumer, as it was written: redis-py, pubsub.subscribe(channel), json.loads.

Prints "ready" once subscribed, then one line per received message: the raw payload.
Exits after --count messages or --timeout seconds without a message.
"""
import argparse
import json
import sys

import redis


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--channel", default="events")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()

    client = redis.Redis.from_url(args.url)
    pubsub = client.pubsub()
    pubsub.subscribe(args.channel)
    pubsub.get_message(timeout=5)  # the subscribe confirmation
    print("ready", flush=True)
    received = 0
    while received < args.count:
        message = pubsub.get_message(timeout=args.timeout)
        if message is None:
            break
        if message["type"] != "message":
            continue
        payload = message["data"].decode("utf-8")
        event = json.loads(payload)  # the seed's consumer parses it; a bad payload fails here
        print(payload, flush=True)
        if json.dumps(event) != payload:  # byte-identical to what the seed's json.dumps printed
            print("MISMATCH " + json.dumps(event), flush=True)
        received += 1
    return 0 if received == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
