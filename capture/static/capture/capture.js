// Fills the contact form's attribution fields from the landing URL (policy §2: UTM tags and
// referral source). The first landing of this tab wins, so a visitor who browses before
// submitting keeps the campaign that brought them. sessionStorage only: no cookie.
(function () {
  var form = document.querySelector("[data-lead-form]");
  if (!form) return;
  var keys = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "gclid", "yclid", "fbclid"];
  var stored = {};
  try { stored = JSON.parse(sessionStorage.getItem("lk_landing") || "{}"); } catch (e) { stored = {}; }
  if (!stored.landing_page) {
    var params = new URLSearchParams(location.search);
    stored = { landing_page: location.href, referrer: document.referrer };
    keys.forEach(function (k) { if (params.get(k)) stored[k] = params.get(k); });
    try { sessionStorage.setItem("lk_landing", JSON.stringify(stored)); } catch (e) {}
  }
  Object.keys(stored).forEach(function (k) {
    var input = form.elements[k];
    if (input && !input.value) input.value = stored[k] || "";
  });
})();

// After a rejected submission, put the keyboard (and a screen reader) on the first wrong field.
(function () {
  var form = document.querySelector("[data-lead-form]");
  if (!form) return;
  var wrong = form.querySelector(".has-error input:not([type=hidden]), .has-error textarea, [aria-invalid=true]");
  if (!wrong) return;
  // After "load": Chrome blurs the active element when it scrolls to the #contact fragment.
  function focus() { setTimeout(function () { wrong.focus(); }, 0); }
  if (document.readyState === "complete") focus(); else window.addEventListener("load", focus);
})();
