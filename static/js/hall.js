/* Service Hall: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  function showNetworkError() {
    var toast = document.getElementById("network-error");
    if (!toast) { return; }
    toast.hidden = false;
    window.clearTimeout(showNetworkError.timer);
    showNetworkError.timer = window.setTimeout(function () { toast.hidden = true; }, 4000);
  }

  document.addEventListener("htmx:sendError", showNetworkError);
  document.addEventListener("htmx:responseError", showNetworkError);

  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) {
      // Keep history snapshots small: result lists are re-fetched rather than restored from memory.
      window.htmx.config.historyCacheSize = 5;
      window.htmx.config.defaultSettleDelay = 0;
    }
  });
})();
