// The read-only key browser: pages through GET v1/kv?prefix=P&limit=N&after=K (relative to the page, so it goes to the
// node that served the page, with the page's scheme and credentials), values shown as text or hex.
"use strict";
(function () {
  const SHOWN_BYTES = 1024;
  const cursors = [];      // the 'after' of each page shown so far ("" for the first)
  let current = { prefix: "", limit: 50, consistency: "linearizable", view: "auto" };

  function $(id) { return document.getElementById(id); }

  function bytesOf(b64) {
    const s = atob(b64), out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }

  function hex(bytes) {
    const parts = [];
    for (const b of bytes) parts.push(b.toString(16).padStart(2, "0"));
    return parts.join(" ");
  }

  // Text if the bytes are UTF-8 without control characters (tabs and newlines allowed), else null.
  function text(bytes) {
    try {
      const s = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s) ? null : s;
    } catch (e) {
      return null;
    }
  }

  function renderValue(td, b64, view) {
    const all = bytesOf(b64 || "");
    const bytes = all.subarray(0, SHOWN_BYTES);
    let kind = "hex", shown;
    const t = view === "hex" ? null : text(bytes);
    if (view === "text") { kind = "text"; shown = new TextDecoder("utf-8").decode(bytes); }
    else if (t != null) { kind = "text"; shown = t; }
    else shown = hex(bytes);
    const k = document.createElement("span");
    k.className = "kind";
    k.textContent = kind + ", " + all.length + " B" + (all.length > SHOWN_BYTES ? " (first " + SHOWN_BYTES + " shown)" : "");
    td.textContent = "";
    td.append(k, document.createTextNode(shown));
    td.dataset.kind = kind;
  }

  function status(msg, isError) {
    const p = $("keys-status");
    p.textContent = msg;
    p.dataset.state = isError ? "error" : "ok";
  }

  async function load(after) {
    const q = new URLSearchParams({ prefix: current.prefix, limit: String(current.limit) });
    if (after) q.set("after", after);
    if (current.consistency !== "linearizable") q.set("consistency", current.consistency);
    status("loading…", false);
    let body;
    try {
      const r = await fetch("v1/kv?" + q.toString(), { headers: { Accept: "application/json" }, cache: "no-store" });
      body = await r.json();
      if (!r.ok) throw new Error((body && body.error) || ("HTTP " + r.status));
    } catch (e) {
      status("cannot list keys: " + e.message, true);
      return false;
    }
    const tbody = $("keys").tBodies[0];
    tbody.textContent = "";
    for (const item of body.items) {
      const tr = document.createElement("tr");
      tr.dataset.key = item.key;
      const k = document.createElement("td"), v = document.createElement("td"), val = document.createElement("td");
      k.textContent = item.key;
      v.textContent = item.version;
      v.className = "num";
      val.className = "value";
      renderValue(val, item.value, current.view);
      tr.append(k, v, val);
      tbody.append(tr);
    }
    const page = cursors.length;
    status(body.items.length === 0 ? "no keys under this prefix" :
      "page " + page + ": " + body.items.length + " keys at revision " + body.revision + (body.more ? ", more follow" : ""), false);
    $("keys-next").disabled = !body.more;
    $("keys-next").dataset.after = body.items.length ? body.items[body.items.length - 1].key : "";
    $("keys-prev").disabled = page <= 1;
    return true;
  }

  function start() {
    $("keys-form").addEventListener("submit", ev => {
      ev.preventDefault();
      current = { prefix: $("keys-prefix").value, limit: +$("keys-limit").value,
                  consistency: $("keys-consistency").value, view: $("keys-view").value };
      cursors.length = 0;
      cursors.push("");
      load("");
    });
    $("keys-next").addEventListener("click", async () => {
      const after = $("keys-next").dataset.after;
      cursors.push(after);
      if (!await load(after)) cursors.pop();
    });
    $("keys-prev").addEventListener("click", async () => {
      if (cursors.length <= 1) return;
      const dropped = cursors.pop();
      if (!await load(cursors[cursors.length - 1])) cursors.push(dropped);
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
