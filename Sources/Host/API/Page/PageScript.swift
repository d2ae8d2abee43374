/// The live page's JavaScript (plain, no framework): history from /api/events, the live feed
/// from the /api/events/live WebSocket (joined by `since_id`: no gap, no duplicate), counts and
/// the 24-hour chart from /api/events/stats kept up to date live, camera status from `/`,
/// reconnecting with an offline banner. `window.vigil` exposes what the browser test reads.
enum PageScript {
    static let text = #"""
    "use strict";
    const $ = s => document.querySelector(s);
    /// Live rows kept (older ones are dropped as new ones come; "Load older" pages history back in):
    /// the fewer rows in the document, the less each frame has to lay out and paint.
    const MAX_ROWS = 100;
    const V = window.vigil = {ids: new Set(), maxId: 0, shown: 0, live: 0, dup: 0, ws: null, online: false, opens: 0,
      probeRecv: {}, probeShown: {}};
    let token = localStorage.getItem("vigil.token") || "";
    let filter = {camera: "", type: ""};
    let older = null, keepRows = MAX_ROWS, retry = 500, stats = null, statsTimer = null;

    function headers() { return token ? {Authorization: "Bearer " + token} : {}; }
    async function api(path) {
      const r = await fetch(path, {headers: headers()});
      if (r.status === 401) { askToken(); throw new Error("unauthorized"); }
      if (!r.ok) throw new Error(path + ": HTTP " + r.status);
      return r;
    }
    function askToken() { $("#tokenForm").hidden = false; $("#tokenInput").focus(); }
    $("#tokenForm").addEventListener("submit", ev => {
      ev.preventDefault();
      token = $("#tokenInput").value.trim();
      localStorage.setItem("vigil.token", token);
      $("#tokenForm").hidden = true;
      start();
    });

    function query(extra) {
      const p = new URLSearchParams(extra || {});
      if (filter.camera) p.set("camera_id", filter.camera);
      if (filter.type) p.set("event_type", filter.type);
      return p.toString();
    }
    function num(x, digits) { return typeof x === "number" ? x.toFixed(digits === undefined ? 1 : digits) : "?"; }
    function short(v) { const s = typeof v === "string" ? v : JSON.stringify(v); return s.length > 24 ? s.slice(0, 23) + "…" : s; }
    function rawKeys(d) { return Object.keys(d).slice(0, 5).map(k => k + "=" + short(d[k])).join(" ") || "(no data)"; }

    /// One line per event type; unknown types (and known ones missing their fields) show raw keys.
    function summary(e) {
      const d = e.event_data && typeof e.event_data === "object" ? e.event_data : {};
      if (e.event_type === "motion" && typeof d.affected_area_percentage === "number") {
        if (d.motion_state === "ended") return "motion ended after " + num(d.duration_seconds) + " s, peak " + num(d.peak_area_percentage) + " %";
        return "motion " + num(d.affected_area_percentage) + " % of frame" + (d.motion_state ? " (" + d.motion_state + ")" : "");
      }
      if (e.event_type === "tracking" && d.tracking_action !== undefined) {
        return d.tracking_action + " " + (d.class_name || "object") + " #" + d.track_id +
          (typeof d.dwell_time_seconds === "number" ? ", dwell " + num(d.dwell_time_seconds) + " s" : "");
      }
      if (e.event_type === "anpr" && d.anpr_result && d.anpr_result.license_plate !== undefined) {
        const c = d.anpr_result.confidence;
        return "plate " + d.anpr_result.license_plate + (typeof c === "number" ? " (" + num(c <= 1 ? c * 100 : c, 0) + " %)" : "");
      }
      return rawKeys(d);
    }

    function timeText(ts) { const d = new Date(ts); return isNaN(d) ? ts : d.toLocaleTimeString() + "." + String(d.getMilliseconds()).padStart(3, "0"); }

    /// The row element of an event.
    function rowFor(e) {
      const li = document.createElement("li");
      li.className = "row" + (e.snapshot_path ? " has-snap" : "");
      li.dataset.id = e.id;
      li.dataset.type = e.event_type; li.dataset.camera = e.camera_id;
      const cells = [["t", timeText(e.timestamp)], ["c", e.camera_id], ["ty", e.event_type], ["s", summary(e)]];
      for (const [cls, text] of cells) { const s = document.createElement("span"); s.className = cls; s.textContent = text; li.append(s); }
      const img = document.createElement("img"); img.alt = ""; li.append(img);
      if (e.snapshot_path) thumbs.observe(img);
      li._event = e;
      return li;
    }

    /// Adds event rows in id order (newest first), ignoring those already shown; returns those added. Live events newer
    /// than every row (the usual case) go in as one fragment at the top; the list is then cut to
    /// MAX_ROWS, so the page's work per frame stays the same however long it runs.
    function addRows(events, live) {
      const fresh = [];
      for (const e of events) {
        if (V.ids.has(e.id)) { if (live) V.dup++; continue; }  // a live duplicate would be the feed's fault
        V.ids.add(e.id); V.shown++;
        if (live) { V.live++; countLive(e); }
        fresh.push(e);
      }
      if (!fresh.length) return fresh;
      fresh.sort((a, b) => b.id - a.id);
      const list = $("#events");
      const first = list.firstElementChild;
      if (!first || fresh[fresh.length - 1].id > Number(first.dataset.id)) {
        const frag = document.createDocumentFragment();
        for (const e of fresh) frag.append(rowFor(e));
        list.prepend(frag);
      } else {
        for (const e of fresh) {
          let before = list.firstElementChild;
          while (before && Number(before.dataset.id) > e.id) before = before.nextElementSibling;
          list.insertBefore(rowFor(e), before);
        }
      }
      if (fresh[0].id > V.maxId) V.maxId = fresh[0].id;
      if (live) while (list.children.length > keepRows) { const last = list.lastElementChild; V.ids.delete(Number(last.dataset.id)); last.remove(); }
      return fresh;
    }

    /// The browser test's probes carry their publish time (`event_data.sent`); for them the page
    /// notes when each arrived and when it was on screen (wall clock, like the publisher's).
    const timed = e => e.event_data !== null && typeof e.event_data === "object" && typeof e.event_data.sent === "number";

    /// Live events wait here for the next frame: one DOM update per frame, however many arrived.
    let pending = [], frameQueued = false;
    const afterPaint = new MessageChannel();
    let painted = [];
    afterPaint.port1.onmessage = () => {  // the first task after the frame that drew them
      const now = Date.now();
      for (const id of painted) V.probeShown[id] = now;
      painted = [];
    };
    function flush() {
      frameQueued = false;
      const batch = pending;
      pending = [];
      const probes = addRows(batch, true).filter(timed);
      if (probes.length) { for (const e of probes) painted.push(e.id); afterPaint.port2.postMessage(0); }
    }
    function receive(e) {
      if (timed(e)) V.probeRecv[e.id] = Date.now();
      pending.push(e);
      if (!frameQueued) { frameQueued = true; requestAnimationFrame(flush); }
    }

    async function blobURL(id) {
      const r = await api("/api/events/" + id + "/snapshot");
      return URL.createObjectURL(await r.blob());
    }
    const thumbs = new IntersectionObserver(entries => {
      for (const en of entries) {
        if (!en.isIntersecting) continue;
        thumbs.unobserve(en.target);
        const li = en.target.parentElement;
        blobURL(li.dataset.id).then(u => { en.target.src = u; }).catch(() => {});
      }
    });
    $("#events").addEventListener("click", async ev => {
      const li = ev.target.closest(".row");
      if (!li) return;
      const e = li._event;
      $("#detailJSON").textContent = JSON.stringify(e, null, 2);
      $("#detailImg").removeAttribute("src");
      $("#detail").showModal();
      if (e.snapshot_path) $("#detailImg").src = await blobURL(e.id);
    });

    function renderCounts() {
      if (!stats) return;
      const rows = (title, o) => "<tr><th colspan=2>" + title + "</th></tr>" + Object.keys(o).sort().map(k =>
        "<tr><td>" + esc(k) + "</td><td class=n>" + o[k] + "</td></tr>").join("");
      $("#counts").innerHTML = "<table>" + rows("Cameras", stats.by_camera) + rows("Types", stats.by_event_type) + "</table>";
      const hours = stats.last_24_hours, max = Math.max(1, ...hours.map(h => h.count));
      $("#chart").innerHTML = hours.map(h => "<div style='height:" + (100 * h.count / max) + "%' title='" +
        esc(h.hour.slice(0, 13).replace("T", " ") + ":00  " + h.count) + "'></div>").join("");
      for (const [sel, keys] of [["#fCamera", Object.keys(stats.by_camera)], ["#fType", Object.keys(stats.by_event_type)]]) {
        const s = $(sel), have = new Set([...s.options].map(o => o.value));
        for (const k of keys.sort()) if (!have.has(k)) s.add(new Option(k, k));
      }
    }
    function esc(s) { return String(s).replace(/[&<>"']/g, c => "&#" + c.charCodeAt(0) + ";"); }
    let countsQueued = false;
    function countLive(e) {
      if (!stats) return;
      stats.by_camera[e.camera_id] = (stats.by_camera[e.camera_id] || 0) + 1;
      stats.by_event_type[e.event_type] = (stats.by_event_type[e.event_type] || 0) + 1;
      const last = stats.last_24_hours[stats.last_24_hours.length - 1];
      if (last && String(e.timestamp).slice(0, 13) === last.hour.slice(0, 13)) last.count++;
      else loadStatsSoon();
      // Counts and the chart are redrawn at most four times a second, not once per event.
      if (!countsQueued) { countsQueued = true; setTimeout(() => { countsQueued = false; renderCounts(); }, 250); }
    }
    async function loadStats() { try { stats = await (await api("/api/events/stats")).json(); renderCounts(); } catch (_) {} }
    function loadStatsSoon() { if (!statsTimer) statsTimer = setTimeout(() => { statsTimer = null; loadStats(); }, 1000); }

    async function loadStatus() {
      try {
        const r = await fetch("/");
        const s = await r.json();
        $("#cameras").innerHTML = (s.cameras || []).map(c => "<div class=cam><b>" + esc(c.id) + "</b><span class='state-" + esc(c.state) + "'>" +
          esc(c.state) + "</span> · " + num(c.fps) + " fps · <span class=" + (c.detector_errors ? "bad" : "") + ">" +
          (c.detector_errors || 0) + " detector errors</span></div>").join("") || "<div class=cam>no cameras</div>";
      } catch (_) { $("#cameras").innerHTML = "<div class=cam>status unavailable</div>"; }
    }

    async function loadOlder() {
      const list = $("#events");
      const last = list.lastElementChild;
      if (!older) older = {end: last ? last._event.timestamp : null, page: 1};
      const extra = {page_size: "50", page: String(older.page)};
      if (older.end) extra.end_time = older.end;
      const page = await (await api("/api/events?" + query(extra))).json();
      addRows(page.events, false);
      keepRows += page.events.length;  // what the user paged to stays
      older.page++;
      $("#olderNote").textContent = page.events.length < 50 ? "no more" : "";
    }

    function setOnline(on) {
      V.online = on;
      $("#banner").hidden = on;
      $("#conn").textContent = on ? "live" : "offline";
      $("#conn").className = on ? "" : "off";
    }
    function connect() {
      const p = query(V.maxId ? {since_id: String(V.maxId)} : {since_id: "0"});
      const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/events/live?" + p +
        (token ? "&token=" + encodeURIComponent(token) : "");
      const ws = V.ws = new WebSocket(url);
      ws.onopen = () => { retry = 500; V.opens++; setOnline(true); loadStatus(); loadStats(); };
      ws.onmessage = m => { if (V.ws === ws) receive(JSON.parse(m.data)); };
      ws.onclose = ev => {
        if (V.ws !== ws) return;  // replaced by a filter change
        setOnline(false);
        if (ev.code === 4401) { askToken(); return; }
        if (ev.code === 1008 && String(ev.reason).startsWith("since_id")) { setTimeout(start, retry); return; }
        setTimeout(() => { if (V.ws === ws) connect(); }, retry);
        retry = Math.min(retry * 2, 4000);
      };
    }

    /// (Re)starts the view: the newest page of history, then the live feed after its newest id.
    async function start() {
      if (V.ws) { const old = V.ws; V.ws = null; old.close(); }
      $("#events").textContent = ""; V.ids.clear(); V.maxId = 0; older = null; keepRows = MAX_ROWS; pending = []; $("#olderNote").textContent = "";
      try {
        const page = await (await api("/api/events?" + query({page_size: "50"}))).json();
        addRows(page.events, false);
      } catch (err) {
        setOnline(false);
        if (String(err.message) !== "unauthorized") setTimeout(start, retry);
        return;
      }
      connect();
    }

    $("#fCamera").addEventListener("change", ev => { filter.camera = ev.target.value; start(); });
    $("#fType").addEventListener("change", ev => { filter.type = ev.target.value; start(); });
    $("#older").addEventListener("click", () => loadOlder().catch(() => {}));
    setInterval(loadStatus, 5000);
    setInterval(loadStats, 60000);
    loadStatus(); loadStats(); start();
    """#
}
