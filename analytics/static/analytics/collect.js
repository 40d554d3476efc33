/* leadkeeper analytics: page view on load, visible time on leave; no cookie. */
(function () {
  var d = document, w = window, s = d.currentScript, api = s.getAttribute("data-api") || "/api/v1/collect";
  var url = location.href, ref = d.referrer, shown = 0, total = 0, cid = "", ls;
  try { ls = w.localStorage; cid = ls.getItem("lk_aid") || ""; } catch (e) { ls = null; }
  if (ls) {
    if (s.getAttribute("data-cid") === "1") {
      if (!cid) { cid = Array.from(crypto.getRandomValues(new Uint8Array(16)), function (b) { return (b + 256).toString(16).slice(1); }).join(""); ls.setItem("lk_aid", cid); }
    } else if (cid) { ls.removeItem("lk_aid"); } /* sent once more: the server forgets it */
  }
  function send(evs) {
    evs.forEach(function (ev) { ev.ts = Date.now(); if (cid) ev.cid = cid; });
    var body = JSON.stringify(evs);
    if (!(navigator.sendBeacon && navigator.sendBeacon(api, body))) {
      fetch(api, { method: "POST", body: body, keepalive: true, headers: { "Content-Type": "text/plain" } }).catch(function () {});
    }
  }
  function start() { if (d.visibilityState === "visible" && !shown) shown = Date.now(); }
  function spent() {
    if (shown) { total += Date.now() - shown; shown = 0; }
    var t = total; total = 0;
    return t > 0 ? [{ type: "engagement", url: url, duration_ms: t }] : [];
  }
  function flush() { var e = spent(); if (e.length) send(e); }
  function view(evs) { send(evs.concat({ type: "pageview", url: url, referrer: ref || undefined })); start(); }
  function moved() {
    if (location.href === url) return;
    var e = spent(); ref = url; url = location.href; view(e);
  }
  d.addEventListener("visibilitychange", function () { d.visibilityState === "hidden" ? flush() : start(); });
  w.addEventListener("pagehide", flush);
  ["pushState", "replaceState"].forEach(function (m) {
    var orig = history[m];
    history[m] = function () { var r = orig.apply(this, arguments); moved(); return r; };
  });
  w.addEventListener("popstate", moved);
  view([]);
})();
