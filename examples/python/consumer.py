#!/usr/bin/env python3
"""vigil's Redis side from Python (redis-py's asyncio client), as in the design document.

  consumer.py events [--count N] [--camera ID]   print each published event (one JSON line each)
  consumer.py status CAMERA_ID                    the camera's cached status {"fps", "online"}
  consumer.py push-job QUEUE CAMERA_ID IMAGE      queue a job for a `redis-queue://QUEUE` camera

REDIS_URL (default redis://127.0.0.1:6379/0) and REDIS_CHANNEL_NAME (default events) as vigil reads them.
"""
import argparse
import asyncio
import json
import os
import sys
import time

import redis.asyncio as redis


async def events(client: redis.Redis, channel: str, count: int, camera: str | None, timeout: float) -> int:
    pubsub = client.pubsub()
    await pubsub.subscribe(channel)
    print("ready", file=sys.stderr, flush=True)
    received = 0
    last = time.monotonic()
    while count == 0 or received < count:
        # None also stands for a (skipped) subscribe confirmation: give up only after `timeout` of silence.
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
        if message is None:
            if time.monotonic() - last > timeout:
                break
            continue
        last = time.monotonic()
        event = json.loads(message["data"])
        if camera and event["camera_id"] != camera:
            continue
        print(json.dumps(event), flush=True)
        received += 1
    await pubsub.aclose()
    return 0 if count == 0 or received == count else 1


async def status(client: redis.Redis, camera: str) -> int:
    raw = await client.get(f"camera:{camera}:status")
    if raw is None:
        print(f"no status for {camera}", file=sys.stderr)
        return 1
    print(json.dumps({"camera_id": camera, **json.loads(raw), "ttl_s": await client.ttl(f"camera:{camera}:status")}))
    return 0


async def push_job(client: redis.Redis, queue: str, camera: str, image: str) -> int:
    job = {"camera_id": camera, "image_path": os.path.abspath(image), "timestamp": time.time()}
    length = await client.rpush(queue, json.dumps(job))
    print(json.dumps({"queued": job, "queue_length": length}))
    return 0


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    e = sub.add_parser("events")
    e.add_argument("--count", type=int, default=0, help="exit after N events (0: never)")
    e.add_argument("--camera")
    e.add_argument("--timeout", type=float, default=30.0, help="give up after this many seconds without a message")
    s = sub.add_parser("status")
    s.add_argument("camera")
    j = sub.add_parser("push-job")
    j.add_argument("queue"); j.add_argument("camera"); j.add_argument("image")
    args = parser.parse_args()

    client = redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    try:
        if args.command == "events":
            return await events(client, os.environ.get("REDIS_CHANNEL_NAME", "events"), args.count, args.camera, args.timeout)
        if args.command == "status":
            return await status(client, args.camera)
        return await push_job(client, args.queue, args.camera, args.image)
    finally:
        await client.aclose()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
