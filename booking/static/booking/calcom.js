/* The Cal.com inline calendar, loaded only after booking consent (the server renders this
   script only then, and the CSP allows app.cal.com only then). Name and email prefill the
   booking form through Cal.com's documented `config.name` / `config.email`. */
(function () {
  "use strict";
  var el = document.getElementById("lk-cal");
  if (!el) return;
  // Cal.com's loader contract: commands queue on window.Cal.q until embed.js takes them.
  var Cal = window.Cal = window.Cal || function () { (Cal.q = Cal.q || []).push(arguments); };
  Cal.ns = Cal.ns || {};
  if (!Cal.loaded) {
    var script = document.createElement("script");
    script.src = "https://app.cal.com/embed/embed.js";
    script.async = true;
    document.head.appendChild(script);
    Cal.loaded = true;
  }
  var config = {};
  if (el.dataset.name) config.name = el.dataset.name;
  if (el.dataset.email) config.email = el.dataset.email;
  Cal("init", { origin: "https://app.cal.com" });
  Cal("inline", { elementOrSelector: el, calLink: el.dataset.calLink, config: config });
})();
