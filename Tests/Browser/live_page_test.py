#!/usr/bin/python3
"""The live page (/ui) in a real browser: Debian's headless Chromium through Selenium.

Starts `vigil run` on a sample video (two cameras, looping, in real time) against the PostgreSQL
and Redis in DATABASE_URL / REDIS_URL, opens /ui, and checks what a person would: rows appear
live, a click shows the snapshot, a camera filter narrows the list (and the live feed), the shown
events have no gap and no duplicate against PostgreSQL, and when vigil restarts the page shows it
is offline and then reconnects by itself; "load older" pages through stored history without a gap
or a duplicate. Measures the first load's bytes (Performance API) and publish→shown latency at 100
events/s (synthetic events published into Redis with a `sent` time), hop by hop (probe_clients.py).
Saves screenshots in artefacts/ (gitignored). Prints `browser: ...` figures; exits 1 on failure.

Environment: VIGIL (the binary; default .build/debug/vigil), VIGIL_SAMPLE_VIDEO, VIGIL_ARTEFACTS,
VIGIL_PROBES (default 1000).
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

import redis
from probe_clients import ProbeFeedClient, ProbeSubscriber, stats
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VIGIL = os.environ.get("VIGIL", os.path.join(ROOT, ".build", "debug", "vigil"))
VIDEO = os.environ.get("VIGIL_SAMPLE_VIDEO", os.path.join(ROOT, "..", "shared", "data", "video", "vtest.avi"))
# Without these a headless tab may be treated as hidden and its timers and frames slowed.
THROTTLE_FLAGS = [] if os.environ.get("VIGIL_BROWSER_THROTTLE") else [
    "--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows"]
ARTEFACTS = os.environ.get("VIGIL_ARTEFACTS", os.path.join(ROOT, "artefacts"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Vigil:
    """`vigil run` as a child process, on a fixed port so that restarts keep the address."""

    def __init__(self, port, run_id):
        self.dir = tempfile.mkdtemp(prefix="vigil-browser-")
        self.port = port
        self.cameras = [f"web-{run_id}-a", f"web-{run_id}-b"]
        config = {
            "plugin_dir": os.path.dirname(VIGIL),
            "cameras": [{"id": c, "source": os.path.abspath(VIDEO), "detect_fps": 5, "loop": True, "realtime": True,
                         "detectors": ["motion"]} for c in self.cameras],
            "detectors": [{"name": "motion", "library": "libMotion.so"}],
        }
        self.config = os.path.join(self.dir, "plugins.json")
        with open(self.config, "w") as f:
            json.dump(config, f)
        self.env = dict(os.environ, REDIS_CHANNEL_NAME=f"browser-{run_id}", SNAPSHOTS_DIR=os.path.join(self.dir, "snapshots"),
                        SPOOL_DIR=os.path.join(self.dir, "spool"), API_PORT=str(port), API_HOST="127.0.0.1")
        self.channel = self.env["REDIS_CHANNEL_NAME"]
        self.proc = None

    def start(self):
        self.log = open(os.path.join(self.dir, "vigil.log"), "ab")
        self.proc = subprocess.Popen([VIGIL, "run", "--config", self.config], env=self.env, cwd=self.dir,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"vigil exited with {self.proc.returncode}; see {self.dir}/vigil.log")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/openapi.json", timeout=2).read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("vigil's API did not come up within 60 s")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def wait_for(driver, what, script, timeout=60):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: d.execute_script(script))
    except Exception:
        state = driver.execute_script("return window.vigil === undefined ? 'no window.vigil' : {online: vigil.online, opens: vigil.opens, shown: vigil.shown, live: vigil.live,"
                                      " rows: document.querySelectorAll('#events .row').length}")
        raise AssertionError(f"timed out waiting for {what}; page state {state}")


def no_gap_no_dup(driver, port, camera):
    """Every stored event of `camera` between the oldest and newest shown is shown; none twice."""
    shown = driver.execute_script(f"return [...document.querySelectorAll('#events .row')]"
                                  f".filter(r => r.dataset.camera === {json.dumps(camera)}).map(r => Number(r.dataset.id))")
    check(len(shown) == len(set(shown)), "an event row is shown twice")
    check(driver.execute_script("return vigil.dup") == 0, "the live feed sent an event the page already had")
    low, high = min(shown), max(shown)
    page = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/events?camera_id={camera}&page_size=500"))
    stored = sorted(e["id"] for e in page["events"] if low <= e["id"] <= high)
    missing = sorted(set(stored) - set(shown))
    check(not missing, f"stored events not shown (a gap): {missing[:10]}")
    return len(shown)


def seed_history(camera, count):
    """`count` motion events of `camera` from two hours ago, one a second (ids rising with time),
    straight into PostgreSQL: older history for the page's "load older"."""
    sql = ("INSERT INTO events (event_type, camera_id, timestamp, frame_number, event_data)"
           f" SELECT 'motion', '{camera}', now() at time zone 'utc' - interval '2 hours' + i * interval '1 second', i,"
           " jsonb_build_object('affected_area_percentage', 1.5, 'seq', i)"
           f" FROM generate_series(1, {count}) AS i")
    subprocess.run(["psql", os.environ["DATABASE_URL"], "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True)


def load_older_check(driver, port, camera, count):
    """Filtered to `camera` (history only), "Load older" pages through all `count` events: each
    shown once, none missing, in id order."""
    opens = driver.execute_script("return vigil.opens")
    Select(driver.find_element(By.ID, "fCamera")).select_by_value(camera)
    wait_for(driver, "the history camera's first page", f"return vigil.online && vigil.opens > {opens}"
             " && document.querySelectorAll('#events .row').length === 50")
    for _ in range(5):
        if driver.execute_script("return document.querySelector('#olderNote').textContent") == "no more":
            break
        before = driver.execute_script("return document.querySelectorAll('#events .row').length")
        driver.find_element(By.ID, "older").click()
        wait_for(driver, "an older page", f"return document.querySelectorAll('#events .row').length > {before}"
                 " || document.querySelector('#olderNote').textContent === 'no more'", timeout=20)
    shown = driver.execute_script("return [...document.querySelectorAll('#events .row')].map(r => Number(r.dataset.id))")
    stored = [e["id"] for e in json.load(urllib.request.urlopen(
        f"http://127.0.0.1:{port}/api/events?camera_id={camera}&page_size=500"))["events"]]
    check(len(shown) == len(set(shown)), "load older showed an event twice")
    check(sorted(shown) == sorted(stored) and len(stored) == count,
          f"load older shows every stored event once: {len(shown)} shown, {len(stored)} stored, {count} seeded")
    check(shown == sorted(shown, reverse=True), "rows in id order, newest first")
    return len(shown)


def main():
    os.makedirs(ARTEFACTS, exist_ok=True)
    run_id = uuid.uuid4().hex[:6]
    port = free_port()
    vigil = Vigil(port, run_id)
    vigil.start()
    history_camera = f"web-{run_id}-hist"
    seed_history(history_camera, 130)
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"] + THROTTLE_FLAGS:
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    base = f"http://127.0.0.1:{port}"
    try:
        driver.get(base + "/ui")
        wait_for(driver, "the live feed to connect", "return window.vigil !== undefined && vigil.online && vigil.opens >= 1")
        wait_for(driver, "rows to arrive live", "return vigil.live >= 3", timeout=90)
        nav = driver.execute_script("const n = performance.getEntriesByType('navigation')[0];"
                                    " return {transfer: n.transferSize, body: n.decodedBodySize}")
        resources = driver.execute_script("return performance.getEntriesByType('resource')"
                                          ".filter(r => r.startTime < 3000).reduce((a, r) => a + r.transferSize, 0)")
        check(nav["body"] < 100_000, f"the page is {nav['body']} bytes, over 100 KB")

        # A row with a snapshot: the full snapshot loads in the detail view.
        wait_for(driver, "a row with a snapshot", "return document.querySelector('#events .row.has-snap') !== null")
        driver.find_element(By.CSS_SELECTOR, "#events .row.has-snap").click()
        wait_for(driver, "the snapshot to load", "const i = document.querySelector('#detailImg');"
                 " return i.complete && i.naturalWidth > 0", timeout=20)
        detail = json.loads(driver.find_element(By.ID, "detailJSON").text)
        check(detail["snapshot_path"], "the detail shows the event's JSON")
        driver.find_element(By.ID, "closeDetail").click()

        # Load older: history paged in below the live rows, no gap, no duplicate.
        wait_for(driver, "the camera filter to list the history camera",
                 f"return [...document.querySelectorAll('#fCamera option')].some(o => o.value === {json.dumps(history_camera)})")
        paged = load_older_check(driver, port, history_camera, 130)

        # Filter by camera: only its rows, and new ones keep coming live.
        camera = vigil.cameras[1]
        wait_for(driver, "the camera filter to list the camera",
                 f"return [...document.querySelectorAll('#fCamera option')].some(o => o.value === {json.dumps(camera)})")
        Select(driver.find_element(By.ID, "fCamera")).select_by_value(camera)
        live_before = driver.execute_script("return vigil.live")
        wait_for(driver, "filtered rows live", f"return vigil.online && vigil.live >= {live_before + 3}", timeout=90)
        cameras = set(driver.execute_script("return [...document.querySelectorAll('#events .row')].map(r => r.dataset.camera)"))
        check(cameras == {camera}, f"the filter shows only {camera}, not {cameras}")
        checked = no_gap_no_dup(driver, port, camera)

        # Restart vigil: the page goes offline, then reconnects and goes on without a gap.
        vigil.stop()
        wait_for(driver, "the offline banner", "return !vigil.online && !document.querySelector('#banner').hidden", timeout=30)
        driver.save_screenshot(os.path.join(ARTEFACTS, "live-page-offline.png"))
        max_before = driver.execute_script("return vigil.maxId")
        opens = driver.execute_script("return vigil.opens")
        vigil.start()
        wait_for(driver, "the page to reconnect", f"return vigil.online && vigil.opens > {opens}"
                 " && document.querySelector('#banner').hidden", timeout=60)
        wait_for(driver, "new rows after the restart", f"return vigil.maxId > {max_before}", timeout=90)
        checked = no_gap_no_dup(driver, port, camera)
        driver.save_screenshot(os.path.join(ARTEFACTS, "live-page.png"))
        driver.set_window_size(390, 844)
        driver.save_screenshot(os.path.join(ARTEFACTS, "live-page-phone.png"))
        driver.set_window_size(1280, 900)

        # Latency: 1,000 events published at 100/s, from publish to shown. Each hop is timed on its
        # own: a plain Redis subscriber, a plain WebSocket client of the feed, the page's onmessage,
        # and the page's "shown" (the first task after the frame that inserted the row, i.e. after
        # it was painted). All clocks are this machine's wall clock (Python's time.time(), the
        # page's Date.now()); the probe carries its publish time in event_data.sent.
        opens = driver.execute_script("return vigil.opens")  # read before the change: the reconnect can be quick
        Select(driver.find_element(By.ID, "fCamera")).select_by_value("")
        wait_for(driver, "the unfiltered feed", f"return vigil.online && vigil.opens > {opens}")
        time.sleep(1)
        r = redis.Redis.from_url(os.environ["REDIS_URL"])
        count, rate = int(os.environ.get("VIGIL_PROBES", "1000")), 100.0
        probe_camera = f"probe-{run_id}"
        sub = ProbeSubscriber(r, vigil.channel)
        feed = ProbeFeedClient(port, probe_camera)
        sub.ready.wait(10)
        feed.ready.wait(10)
        # the feed registers a client right after its upgrade: probes published before that never reach it
        # (a gapless client asks for since_id). Warm-up probes until the plain client gets one, then the run.
        warm = []
        while not any(w in feed.times for w in warm) and len(warm) < 100:
            warm.append(1_999_999_000 + len(warm))
            now = time.time()
            r.publish(vigil.channel, json.dumps({
                "id": warm[-1], "event_type": "probe", "camera_id": probe_camera,
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".000Z", "frame_number": 0,
                "snapshot_path": None, "event_data": {"sent": now * 1000}, "created_at": "2024-01-01T00:00:00.000000"},
                separators=(", ", ": ")))
            time.sleep(0.1)
        check(any(w in feed.times for w in warm), "the plain feed client got a warm-up probe")
        sent = {}
        start = time.time()
        for i in range(count):
            due = start + i / rate
            delay = due - time.time()
            if delay > 0:
                time.sleep(delay)
            now = time.time()
            pid = 2_000_000_000 + i
            sent[pid] = now * 1000
            r.publish(vigil.channel, json.dumps({
                "id": pid, "event_type": "probe", "camera_id": probe_camera,
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".000Z", "frame_number": i,
                "snapshot_path": None, "event_data": {"sent": now * 1000}, "created_at": "2024-01-01T00:00:00.000000"},
                separators=(", ", ": ")))
        elapsed = time.time() - start
        wait_for(driver, "every probe shown", f"return Object.keys(vigil.probeShown).length >= {count + len(warm)}", timeout=60)
        times = driver.execute_script("return {recv: vigil.probeRecv, shown: vigil.probeShown}")
        deadline = time.time() + 10  # the plain clients may be a few messages behind the page
        while (not set(sent) <= set(feed.times) or not set(sent) <= set(sub.times)) and time.time() < deadline:
            time.sleep(0.05)
        sub.stop(); feed.stop()
        recv = {int(k): v for k, v in times["recv"].items() if int(k) in sent}
        shown = {int(k): v for k, v in times["shown"].items() if int(k) in sent}
        feed.times = {k: v for k, v in feed.times.items() if k in sent}
        sub.times = {k: v for k, v in sub.times.items() if k in sent}
        check(set(shown) == set(sent), f"every published probe is shown once: {len(set(sent) - set(shown))} missing")
        check(driver.execute_script("return vigil.dup") == 0, "duplicates during the probe")
        check(set(feed.times) == set(sent), f"the plain feed client got every probe: {len(set(sent) - set(feed.times))} missing")
        hops = [("redis", {k: sub.times[k] - sent[k] for k in sub.times}),
                ("feed", {k: feed.times[k] - sent[k] for k in feed.times}),
                ("onmessage", {k: recv[k] - sent[k] for k in recv}),
                ("render", {k: shown[k] - recv[k] for k in shown if k in recv}),
                ("shown", {k: shown[k] - sent[k] for k in shown})]
        for name, values in hops:
            print(f"browser latency {name}: " + stats(list(values.values())))
        lat = sorted(hops[-1][1].values())
        p = lambda q: lat[min(len(lat) - 1, int(len(lat) * q))]
        print(f"browser: page_bytes={nav['body']} page_transfer_bytes={nav['transfer']} first_load_bytes={nav['transfer'] + resources}"
              f" rows_checked={checked} older_rows_paged={paged} probes={len(lat)} rate_per_s={count / elapsed:.0f} p50_ms={p(0.5):.1f} p99_ms={p(0.99):.1f} max_ms={lat[-1]:.1f}")
        print("browser: screenshots in " + ARTEFACTS)
        return 0
    except AssertionError as e:
        driver.save_screenshot(os.path.join(ARTEFACTS, "live-page-failure.png"))
        print(f"browser: FAILED: {e} (vigil log: {vigil.dir}/vigil.log)")
        return 1
    finally:
        driver.quit()
        vigil.stop()


if __name__ == "__main__":
    sys.exit(main())
