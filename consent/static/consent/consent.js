/* leadkeeper consent banner: no dependencies, no third-party request of its own.
   The server renders the banner and the state; this script records choices through
   POST /api/v1/consent, clears Google Analytics cookies without consent, and loads the
   scripts a choice allows in place: no reload, so a half-typed contact form survives and no
   second page view is counted (the CSP already names every host the register declares). */
(function () {
  "use strict";
  var d = document, root = d.getElementById("lk-consent"), el = d.getElementById("lk-consent-state");
  if (!root || !el) return;
  var state = JSON.parse(el.textContent), form = root.querySelector("form"), opener = null;
  var GA = /^_(ga|ga_\w+|gid|gat(_\w+)?|gcl_[a-z]+)$/;

  function clearGa() {
    var names = d.cookie.split(";").map(function (c) { return c.split("=")[0].trim(); })
      .filter(function (n) { return GA.test(n); });
    if (!names.length) return;
    var host = location.hostname, domains = [""], paths = ["/"], i;
    if (!/^[\d.]+$|:/.test(host)) {
      var parts = host.split(".");
      for (i = 0; i < parts.length - 1; i++) {
        var dom = parts.slice(i).join(".");
        domains.push(dom, "." + dom);
      }
    }
    var segs = location.pathname.split("/");
    for (i = 2; i < segs.length; i++) {
      var p = segs.slice(0, i).join("/");
      paths.push(p, p + "/");
    }
    names.forEach(function (n) {
      domains.forEach(function (dom) {
        paths.forEach(function (p) {
          d.cookie = n + "=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; path=" + p +
            (dom ? "; domain=" + dom : "");
        });
      });
    });
  }

  function loadGa() {
    if (!state.ga || d.getElementById("lk-gtag") || !window.gtag) return;
    window.gtag("consent", "update", { analytics_storage: "granted" });
    window.gtag("js", new Date());
    window.gtag("config", state.ga, { cookie_domain: "none" });
    var s = d.createElement("script");
    s.async = true; s.id = "lk-gtag";
    s.src = "https://www.googletagmanager.com/gtag/js?id=" + encodeURIComponent(state.ga);
    d.head.appendChild(s);
  }

  function announce(granted) {
    window.lkConsent.granted = granted;
    d.dispatchEvent(new CustomEvent("lk:consent", { detail: { granted: granted } }));
  }

  function show(focus) {
    if (root.parentNode !== d.body || d.body.firstElementChild !== root) {
      // First in the tab order (after the skip link) so keyboard users meet it at once.
      var skip = d.querySelector(".skip");
      d.body.insertBefore(root, skip ? skip.nextSibling : d.body.firstChild);
    }
    root.hidden = false;
    room();
    if (focus) root.focus();
  }

  // Room below the page as tall as the banner: whatever the banner covers (the contact
  // form's submit button on a laptop screen) can be scrolled up into view above it.
  function room() {
    d.body.style.paddingBottom = root.hidden ? "" : root.offsetHeight + "px";
  }
  window.addEventListener("resize", room);

  function hide() {
    root.hidden = true;
    room();
    if (opener) { opener.focus(); opener = null; }
  }

  function choose(choice) {
    var cats = {};
    state.categories.forEach(function (c) {
      var box = form.querySelector('[data-category="' + c + '"]');
      cats[c] = choice === "accept_all" ? true : choice === "reject_all" ? false :
        choice === "grant:" + c ? true : choice.indexOf("grant:") === 0 ?
        state.granted.indexOf(c) >= 0 : !!(box && box.checked);
    });
    return cats;
  }

  function submit(choice, fallback) {
    var token = form.querySelector("[name=csrfmiddlewaretoken]");
    fetch(state.api, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
      body: JSON.stringify({ categories: choose(choice), text_version: state.text,
        source: choice.indexOf("grant:") === 0 ? "click_to_load" : opener ? "settings" : "banner" })
    }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(function (res) {
      var before = state.granted.slice(), granted = res.granted;
      if (granted.indexOf("analytics") < 0) {
        if (window.gtag) window.gtag("consent", "update", { analytics_storage: "denied" });
        clearGa();
      }
      state.granted = granted; state.decided = true;
      announce(granted);
      hide();
      if (granted.indexOf("analytics") >= 0 && before.indexOf("analytics") < 0) loadGa();
      // Only the click-to-load calendar is rendered by the server: that page, and only
      // that one, shows its new content by loading again (it has no form to lose).
      if (granted.indexOf("booking") >= 0 && before.indexOf("booking") < 0 &&
          d.querySelector("[data-consent-grant]") && state.reload) location.reload();
    }).catch(function () { fallback(); });
  }

  form.addEventListener("submit", function (e) {
    var choice = (e.submitter && e.submitter.value) || "save";
    e.preventDefault();
    submit(choice, function () {
      var input = d.createElement("input");
      input.type = "hidden"; input.name = "choice"; input.value = choice;
      form.appendChild(input);
      form.submit();
    });
  });

  d.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("[data-cookie-settings]");
    if (!link) return;
    e.preventDefault();
    opener = link;
    var details = root.querySelector("details");
    if (details) details.open = true;
    show(true);
  });

  // Click-to-load (e.g. the Cal.com calendar): <form data-consent-grant="booking">.
  d.addEventListener("submit", function (e) {
    var f = e.target, cat = f.getAttribute && f.getAttribute("data-consent-grant");
    if (!cat) return;
    e.preventDefault();
    submit("grant:" + cat, function () { f.submit(); });
  });

  root.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && state.decided) hide();
  });

  window.lkConsent = { granted: state.granted, open: function () { show(true); } };
  if (state.granted.indexOf("analytics") < 0) clearGa();
  if (!state.decided) show(false);
})();
