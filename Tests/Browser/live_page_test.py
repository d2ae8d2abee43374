#!/usr/bin/python3
"""The live page (/ui) in a real browser: Debian's headless Chromium through Selenium.

Starts `vigil run` on a sample video (two cameras, looping, in real time) against the PostgreSQL
and Redis in DATABASE_URL / REDIS_URL, opens /ui, and checks what a person would: rows appear
live, a click shows the snapshot, a camera filter narrows the list (and the live feed), the shown
events have no gap and no duplicate against PostgreSQL, and when vigil restarts the page shows it
is offline and then reconnects by itself. Measures the first load's bytes (Performance API) and
publish→shown latency at 100 events/s (synthetic events published into Redis with a `sent` time).
Saves screenshots in artefacts/ (gitignored). Prints `browser: ...` figures; exits 1 on failure.

Environment: VIGIL (the binary; default .build/debug/vigil), VIGIL_SAMPLE_VIDEO, VIGIL_ARTEFACTS.
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
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VIGIL = os.environ.get("VIGIL", os.path.join(ROOT, ".build", "debug", "vigil"))
VIDEO = os.environ.get("VIGIL_SAMPLE_VIDEO", os.path.join(ROOT, "..", "shared", "data", "video", "vtest.avi"))
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
        state = driver.execute_script("return {online: vigil.online, opens: vigil.opens, shown: vigil.shown, live: vigil.live,"
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


def main():
    os.makedirs(ARTEFACTS, exist_ok=True)
    run_id = uuid.uuid4().hex[:6]
    port = free_port()
    vigil = Vigil(port, run_id)
    vigil.start()
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"]:
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    base = f"http://127.0.0.1:{port}"
    try:
        driver.get(base + "/ui")
        wait_for(driver, "the live feed to connect", "return vigil.online && vigil.opens >= 1")
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

        # Latency: 1,000 events published at 100/s, from publish to shown (next frame after insert).
        opens = driver.execute_script("return vigil.opens")  # read before the change: the reconnect can be quick
        Select(driver.find_element(By.ID, "fCamera")).select_by_value("")
        wait_for(driver, "the unfiltered feed", f"return vigil.online && vigil.opens > {opens}")
        time.sleep(1)
        r = redis.Redis.from_url(os.environ["REDIS_URL"])
        count, rate = 1000, 100.0
        start = time.time()
        for i in range(count):
            due = start + i / rate
            delay = due - time.time()
            if delay > 0:
                time.sleep(delay)
            now = time.time()
            r.publish(vigil.channel, json.dumps({
                "id": 2_000_000_000 + i, "event_type": "probe", "camera_id": f"probe-{run_id}",
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".000Z", "frame_number": i,
                "snapshot_path": None, "event_data": {"sent": now * 1000}, "created_at": "2024-01-01T00:00:00.000000"},
                separators=(", ", ": ")))
        wait_for(driver, "every probe shown", f"return vigil.latencies.length >= {count}", timeout=60)
        lat = sorted(driver.execute_script("return vigil.latencies"))
        p = lambda q: lat[min(len(lat) - 1, int(len(lat) * q))]
        check(driver.execute_script("return vigil.dup") == 0, "duplicates during the probe")
        print(f"browser: page_bytes={nav['body']} page_transfer_bytes={nav['transfer']} first_load_bytes={nav['transfer'] + resources}"
              f" rows_checked={checked} probes={len(lat)} rate_per_s={rate:.0f} p50_ms={p(0.5):.1f} p99_ms={p(0.99):.1f} max_ms={lat[-1]:.1f}")
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
