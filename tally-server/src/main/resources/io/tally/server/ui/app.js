// The status page: polls v1/ui/cluster (relative to the page: the node that served it gathers every member) twice a
// second, at most one request in flight, and shows members, five minutes of plots and the recent events.
"use strict";
(function () {
  const POLL_MS = 500;
  const WINDOW_MS = 5 * 60 * 1000;
  const MAX_EVENTS = 200;
  const COLORS = ["#2f5fa8", "#1f7a3d", "#b26a00", "#6b4fa8", "#b3261e", "#00838f", "#8d6e63", "#c2185b", "#455a64"];
  const TOTAL_COLOR = "#1d2330";

  const members = new Map();   // id -> {id, started, lastSeq, lastEventSeq, samples: [], color}
  const events = new Map();    // key -> event (merged from every member, each once)
  let full = true;             // ask for the whole history next time (first load, or a gap was seen)
  let newEvents = false;       // a member has events the page has not seen: ask for them next time
  let lastOk = 0;
  let servedBy = "";
  let membersShown = "";       // what the members table shows, to rebuild it only when that changes
  let eventsChanged = true;
  let chartsDrawn = 0;         // charts are redrawn at most once a second (samples come once a second)

  function $(id) { return document.getElementById(id); }

  function memberState(id) {
    let m = members.get(id);
    if (!m) {
      m = { id: id, started: null, lastSeq: 0, lastEventSeq: 0, samples: [], color: COLORS[members.size % COLORS.length] };
      members.set(id, m);
    }
    return m;
  }

  function ago(ms) {
    if (ms == null) return "never";
    if (ms < 1500) return "now";
    const s = Math.round(ms / 1000);
    return s < 120 ? s + " s ago" : Math.round(s / 60) + " min ago";
  }

  function cell(tr, text, cls) {
    const td = document.createElement("td");
    td.textContent = text == null ? "—" : String(text);
    if (cls) td.className = cls;
    tr.append(td);
    return td;
  }

  function renderMembers(view) {
    const shown = JSON.stringify(view.members.map(m => [m.id, m.role, m.stale, m.term, m.commitIndex, m.appliedIndex,
      m.lag, ago(m.lastContactMs), m.http, m.voter, m.error, m.id === view.node]));
    if (shown === membersShown) return;
    membersShown = shown;
    const tbody = $("members").tBodies[0];
    const rows = [];
    for (const m of view.members) {
      const tr = document.createElement("tr");
      tr.dataset.member = m.id;
      tr.dataset.role = m.role;
      cell(tr, m.id + (m.id === view.node ? " (this node)" : ""), "member-id");
      const role = document.createElement("span");
      role.className = "role";
      role.textContent = m.role + (m.stale ? " (stale term)" : "");
      const rtd = cell(tr, "");
      rtd.textContent = "";
      rtd.append(role);
      cell(tr, m.term, "num");
      cell(tr, m.commitIndex, "num");
      cell(tr, m.appliedIndex, "num");
      cell(tr, m.lag, "num");
      cell(tr, ago(m.lastContactMs));
      cell(tr, m.http);
      const notes = [];
      if (!m.voter && m.role !== "unreachable" && m.role !== "non-voter") notes.push("non-voter in the configuration");
      if (m.error) notes.push(m.error);
      cell(tr, notes.join("; ") || "", "note");
      rows.push(tr);
    }
    tbody.replaceChildren(...rows);
  }

  // Adds what a member sent to what the page holds; notices restarts and gaps (then asks for everything again).
  function merge(m, wasFull) {
    const st = memberState(m.id);
    if (!m.samples) return;
    if (st.started !== m.started) {
      if (!wasFull) full = true;       // a member (re)started or answered for the first time: fetch its history
      st.started = m.started; st.lastSeq = 0; st.lastEventSeq = 0; st.samples = [];
    }
    const samples = m.samples.filter(s => s.seq > st.lastSeq);
    if (samples.length && st.lastSeq > 0 && samples[0].seq > st.lastSeq + 1) full = true;
    for (const s of samples) st.samples.push(s);
    if (samples.length) st.lastSeq = samples[samples.length - 1].seq;
    const cutoff = Date.now() - WINDOW_MS - 5000;
    while (st.samples.length && st.samples[0].time < cutoff) st.samples.shift();
    if (m.eventSeq < st.lastEventSeq) full = true;          // cannot happen within one process: start over
    const evs = (m.events || []).filter(e => e.seq > st.lastEventSeq);
    if (evs.length && st.lastEventSeq > 0 && evs[0].seq > st.lastEventSeq + 1) full = true;
    for (const e of evs) if (!events.has(e.key)) { events.set(e.key, e); eventsChanged = true; }
    if (evs.length) st.lastEventSeq = evs[evs.length - 1].seq;
    if (m.eventSeq > st.lastEventSeq) newEvents = true;
  }

  function renderEvents() {
    if (!eventsChanged) return;
    eventsChanged = false;
    const all = [...events.values()].sort((a, b) => b.time - a.time || b.index - a.index);
    for (const e of all.slice(MAX_EVENTS)) events.delete(e.key);
    const rows = all.slice(0, MAX_EVENTS).map(e => {
      const tr = document.createElement("tr");
      tr.dataset.kind = e.kind;
      cell(tr, new Date(e.time).toLocaleTimeString());
      cell(tr, e.node);
      cell(tr, e.kind);
      cell(tr, e.term, "num");
      cell(tr, e.index, "num");
      cell(tr, e.text);
      return tr;
    });
    $("events").tBodies[0].replaceChildren(...rows);
  }

  function points(st, field) {
    return st.samples.map(s => [s.time, s[field]]);
  }

  // The sum over members of a rate. Members sample at different moments: at each second of the page's clock, add up
  // each member's newest sample of the last two seconds.
  function total(field) {
    const sts = [...members.values()].filter(st => st.samples.length);
    const out = [];
    const end = Math.floor(Date.now() / 1000) * 1000;
    const pos = sts.map(() => 0);
    for (let t = end - WINDOW_MS; t <= end; t += 1000) {
      let sum = 0, any = false;
      sts.forEach((st, i) => {
        while (pos[i] + 1 < st.samples.length && st.samples[pos[i] + 1].time <= t) pos[i]++;
        const s = st.samples[pos[i]];
        if (s.time <= t && t - s.time < 2000) { sum += s[field]; any = true; }
      });
      out.push([t, any ? sum : null]);
    }
    return out;
  }

  // The newest value of a series, if it is recent (a member that stopped answering has none).
  function latest(pts) {
    const recent = Date.now() - 3000;
    for (let i = pts.length - 1; i >= 0 && pts[i][0] >= recent; i--) if (pts[i][1] != null) return pts[i][1];
    return null;
  }

  function fmt(v) {
    return v == null ? "—" : (v >= 100 ? v.toFixed(0) : v.toFixed(v >= 10 ? 1 : 2));
  }

  function renderChart(name, series) {
    const fig = document.querySelector('figure[data-chart="' + name + '"]');
    const now = Date.now();
    window.TallyChart.draw(fig.querySelector("canvas"), { xMin: now - WINDOW_MS, xMax: now, series: series });
    const items = [];
    for (const s of series) {
      if (s.legend === false) continue;
      const li = document.createElement("li");
      li.dataset.series = s.key;
      const swatch = document.createElement("i");
      swatch.style.background = s.color;
      const value = document.createElement("span");
      value.className = "value";
      const v = latest(s.points);
      value.textContent = fmt(v);
      li.dataset.value = v == null ? "" : String(v);
      li.append(swatch, document.createTextNode(s.name + " "), value);
      items.push(li);
    }
    fig.querySelector("ul.legend").replaceChildren(...items);
  }

  function renderCharts() {
    const sts = [...members.values()].filter(st => st.samples.length);
    const perMember = field => sts.map(st => ({ key: st.id, name: st.id, color: st.color, points: points(st, field) }));
    const withTotal = field => perMember(field).concat(sts.length > 1
      ? [{ key: "total", name: "total", color: TOTAL_COLOR, width: 2.2, points: total(field) }] : []);
    renderChart("writes", withTotal("writesPerSec"));
    renderChart("reads", withTotal("readsPerSec"));
    const pair = (p99, p50) => sts.flatMap(st => [
      { key: st.id, name: st.id + " p99", color: st.color, points: points(st, p99) },
      { key: st.id + "-p50", name: st.id + " p50", color: st.color, dash: true, points: points(st, p50) }]);
    renderChart("latency", pair("writeP99Ms", "writeP50Ms"));
    renderChart("commits", perMember("commitsPerSec"));
    renderChart("fsync", pair("fsyncP99Ms", "fsyncP50Ms"));
  }

  function render(view, wasFull) {
    servedBy = view.node;
    $("served-by").textContent = view.node;
    $("leader").textContent = view.leader || "none known";
    $("term").textContent = view.term;
    document.title = "Tally: " + (view.leader ? "leader " + view.leader : "no leader") + " (" + view.node + ")";
    renderMembers(view);
    for (const m of view.members) merge(m, wasFull);
    renderEvents();
    if (Date.now() - chartsDrawn >= 1000) {
      chartsDrawn = Date.now();
      renderCharts();
    }
  }

  function freshness(ok, message) {
    const p = $("freshness");
    p.dataset.state = ok ? "ok" : "error";
    p.textContent = ok ? "updated " + new Date().toLocaleTimeString() : message;
  }

  async function poll() {
    const started = Date.now();
    const wantFull = full;
    // Steady state: the newest samples only, and events only when some member has new ones.
    const q = wantFull ? "history=300&events=256" : "history=3&events=" + (newEvents ? 16 : 0);
    newEvents = false;
    try {
      const r = await fetch("v1/ui/cluster?" + q + "&timeout=3s", { headers: { Accept: "application/json" }, cache: "no-store" });
      const body = await r.json();
      if (!r.ok) throw new Error((body && body.error) || ("HTTP " + r.status));
      if (wantFull) full = false;
      render(body, wantFull);
      lastOk = Date.now();
      freshness(true);
    } catch (e) {
      full = true;
      freshness(false, "no answer from " + (servedBy || "the node") + (lastOk ? " since " + new Date(lastOk).toLocaleTimeString() : "")
        + ": " + e.message);
    }
    setTimeout(poll, Math.max(0, POLL_MS - (Date.now() - started)));
  }

  // A page in a background tab is polled rarely by the browser: catch up in full when it shows again.
  document.addEventListener("visibilitychange", () => { if (!document.hidden) { full = true; chartsDrawn = 0; } });
  window.addEventListener("resize", () => renderCharts());
  document.addEventListener("DOMContentLoaded", poll);
})();
