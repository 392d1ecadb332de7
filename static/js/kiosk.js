/* Kiosk (取号机): the clock, the on-screen numeric keypad, one tap = one ticket, the print button, and the
   return to the start screen when nobody touches the screen for a while. No framework. */
(function () {
  "use strict";

  var body = document.body;

  function pad2(n) { return (n < 10 ? "0" : "") + n; }

  // The centre's time zone, whatever the kiosk's own clock is set to.
  function tickClock() {
    var clock = document.querySelector("[data-clock]");
    if (!clock) { return; }
    var now = new Date();
    var options = { hour: "2-digit", minute: "2-digit", hour12: false };
    var zone = body.getAttribute("data-time-zone");
    if (zone) { options.timeZone = zone; }
    try {
      clock.textContent = now.toLocaleTimeString(document.documentElement.lang || "zh-CN", options);
    } catch (error) {
      clock.textContent = pad2(now.getHours()) + ":" + pad2(now.getMinutes());
    }
  }

  // Back to the start screen after idle-seconds without a touch; the countdown (result page) shows it.
  function startIdleTimer() {
    var seconds = parseInt(body.getAttribute("data-idle-seconds"), 10);
    var url = body.getAttribute("data-idle-url");
    if (!seconds || !url) { return; }
    var left = seconds;
    var countdown = document.querySelector("[data-countdown]");
    function reset() { left = seconds; }
    ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
      document.addEventListener(name, reset, { passive: true });
    });
    window.setInterval(function () {
      left -= 1;
      if (countdown) { countdown.textContent = String(Math.max(left, 0)); }
      if (left <= 0) {
        var here = window.location.pathname + window.location.search;
        if (here === url) { window.location.reload(); } else { window.location.assign(url); }
      }
    }, 1000);
  }

  // A second tap while the first is on its way must not print a second ticket.
  function submitOnce() {
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
        form.setAttribute("data-sent", "1");
        document.querySelectorAll("form[data-once] button[type=submit]").forEach(function (button) {
          button.disabled = true;
        });
      });
    });
    // Coming back through the browser's page cache: the buttons work again.
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) { return; }
      document.querySelectorAll("form[data-once]").forEach(function (form) { form.removeAttribute("data-sent"); });
      document.querySelectorAll("form[data-once] button[type=submit]").forEach(function (button) {
        button.disabled = false;
      });
    });
  }

  function keypad() {
    var pad = document.querySelector("[data-keypad]");
    var input = document.querySelector("[data-keypad-target]");
    if (!pad || !input) { return; }
    pad.hidden = false;
    input.setAttribute("inputmode", "none"); // the keypad replaces the system keyboard on a touch screen
    var max = parseInt(input.getAttribute("maxlength"), 10) || 11;
    pad.addEventListener("click", function (event) {
      var key = event.target.closest("[data-key]");
      if (!key) { return; }
      var value = input.value.replace(/\D/g, "");
      var which = key.getAttribute("data-key");
      if (which === "clear") { value = ""; }
      else if (which === "back") { value = value.slice(0, -1); }
      else if (value.length < max) { value += which; }
      input.value = value;
    });
    input.addEventListener("input", function () { input.value = input.value.replace(/\D/g, "").slice(0, max); });
  }

  function printButton() {
    var button = document.querySelector("[data-print]");
    if (button) { button.addEventListener("click", function () { window.print(); }); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    tickClock();
    window.setInterval(tickClock, 10000);
    startIdleTimer();
    submitOnce();
    keypad();
    printButton();
  });
})();
