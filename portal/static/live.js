// Live updates: ask the small status view now and then; reload when the order changed.
(function () {
  var summary = document.querySelector("[data-status-url]");
  if (!summary || !window.fetch) return;
  var url = summary.getAttribute("data-status-url");
  var version = summary.getAttribute("data-version");
  function check() {
    if (document.hidden) return;
    fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { if (s && s.version !== version) location.reload(); })
      .catch(function () {});
  }
  setInterval(check, 60000);
  document.addEventListener("visibilitychange", check);
})();
