// Line charts on <canvas>, small and dependency-free: time on x, one or more series on y.
// TallyChart.draw(canvas, {xMin, xMax, series: [{name, color, dash, width, points: [[timeMs, value|null], ...]}]})
"use strict";
(function () {
  const GAP_MS = 2500; // no line across a hole in the samples (a node down, a page in the background)

  // The smallest 1, 2 or 5 times a power of ten that is at least v: the step between the four grid lines.
  function niceStep(v) {
    if (!(v > 0)) return 0.25;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  function label(v) {
    if (v >= 1e6) return (v / 1e6).toFixed(v % 1e6 ? 1 : 0) + "M";
    if (v >= 1e4) return (v / 1e3).toFixed(v % 1e3 ? 1 : 0) + "k";
    if (v >= 10 || v === 0) return String(Math.round(v));
    return String(+v.toFixed(2));
  }

  function draw(canvas, spec) {
    const dpr = window.devicePixelRatio || 1;
    const cssW = canvas.clientWidth || 400, cssH = canvas.clientHeight || 170;
    if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
      canvas.width = Math.round(cssW * dpr);
      canvas.height = Math.round(cssH * dpr);
    }
    const g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, cssW, cssH);
    const left = 46, right = 8, top = 8, bottom = 20;
    const w = cssW - left - right, h = cssH - top - bottom;
    let max = 0;
    for (const s of spec.series) for (const [t, v] of s.points) if (v != null && t >= spec.xMin && v > max) max = v;
    const yMax = 4 * niceStep(max / 4);
    const x = t => left + (t - spec.xMin) / (spec.xMax - spec.xMin) * w;
    const y = v => top + h - v / yMax * h;

    g.font = "11px system-ui, sans-serif";
    g.lineWidth = 1;
    g.strokeStyle = "#e6e9ef";
    g.fillStyle = "#6b7385";
    g.textAlign = "right";
    g.textBaseline = "middle";
    for (let i = 0; i <= 4; i++) {
      const v = yMax * i / 4, yy = Math.round(y(v)) + 0.5;
      g.beginPath(); g.moveTo(left, yy); g.lineTo(left + w, yy); g.stroke();
      g.fillText(label(v), left - 5, yy);
    }
    g.textAlign = "center";
    g.textBaseline = "top";
    for (let m = 0; m <= 5; m++) {
      const t = spec.xMax - m * 60000, xx = Math.round(x(t)) + 0.5;
      g.beginPath(); g.moveTo(xx, top); g.lineTo(xx, top + h); g.stroke();
      g.fillText(m === 0 ? "now" : "-" + m + "m", Math.min(Math.max(xx, left + 10), left + w - 12), top + h + 4);
    }

    g.save();
    g.beginPath(); g.rect(left, top, w, h); g.clip();
    for (const s of spec.series) {
      g.strokeStyle = s.color;
      g.lineWidth = s.width || 1.6;
      g.setLineDash(s.dash ? [4, 3] : []);
      g.beginPath();
      let prevT = null;
      for (const [t, v] of s.points) {
        if (v == null) { prevT = null; continue; }
        if (prevT == null || t - prevT > GAP_MS) g.moveTo(x(t), y(v)); else g.lineTo(x(t), y(v));
        prevT = t;
      }
      g.stroke();
      // A lone point (no neighbour within the gap) would not show as a line: mark it.
      g.fillStyle = s.color;
      for (let i = 0; i < s.points.length; i++) {
        const [t, v] = s.points[i];
        if (v == null) continue;
        const p = s.points[i - 1], n = s.points[i + 1];
        const joined = (p && p[1] != null && t - p[0] <= GAP_MS) || (n && n[1] != null && n[0] - t <= GAP_MS);
        if (!joined) { g.beginPath(); g.arc(x(t), y(v), 1.8, 0, 2 * Math.PI); g.fill(); }
      }
    }
    g.restore();
  }

  window.TallyChart = { draw: draw };
})();
