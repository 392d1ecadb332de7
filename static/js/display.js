/* Call display (叫号大屏): polls the display state every second, redraws the calls and waiting counts,
   and speaks every NEW call or recall (by event id) with the browser's speech synthesis. Browsers allow
   audio only after one user gesture, hence the one-time "点击开启语音播报" overlay. No framework:
   fetch + DOM, text set with textContent only. */
(function () {
  "use strict";

  var body = document.body;
  var stateUrl = body.getAttribute("data-state-url");
  var pollMs = parseInt(body.getAttribute("data-poll-ms"), 10) || 1000;
  var speechLang = body.getAttribute("data-speech-lang") || "zh-CN";
  var timeZone = body.getAttribute("data-time-zone") || undefined;
  var synth = window.speechSynthesis;
  var audioOn = false;
  var lastEventId = 0;
  var clockOffsetMs = 0; // server time minus this screen's time
  var speakingTimer = null;
  var MAX_BACKLOG = 3;

  function $(selector) { return document.querySelector(selector); }

  function maxEventId(calls) {
    return calls.reduce(function (max, call) { return Math.max(max, call.event_id); }, 0);
  }

  // ---- clock (the server's time, so every screen in the hall agrees) ----
  function tickClock() {
    var now = new Date(Date.now() + clockOffsetMs);
    var options = { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false };
    var dateOptions = { year: "numeric", month: "long", day: "numeric", weekday: "long" };
    if (timeZone) { options.timeZone = timeZone; dateOptions.timeZone = timeZone; }
    try {
      $("[data-clock-time]").textContent = now.toLocaleTimeString(speechLang, options);
      $("[data-clock-date]").textContent = now.toLocaleDateString(speechLang, dateOptions);
    } catch (error) {
      $("[data-clock-time]").textContent = now.toTimeString().slice(0, 8);
    }
  }

  // ---- drawing ----
  function drawCalls(calls) {
    var latest = calls[0];
    var box = $("[data-latest]");
    var text = $("[data-latest-text]");
    text.textContent = latest ? latest.text : box.getAttribute("data-idle-text");
    text.classList.toggle("display-idle", !latest);
    box.classList.toggle("is-recall", Boolean(latest && latest.is_recall));
    $("[data-recall-tag]").hidden = !(latest && latest.is_recall);
    var rows = $("[data-calls]");
    var template = document.getElementById("call-row-template");
    var fragment = document.createDocumentFragment();
    calls.slice(1).forEach(function (call) {
      var row = template.content.firstElementChild.cloneNode(true);
      row.querySelector(".display-list-number").textContent = call.ticket_number;
      row.querySelector("[data-window]").textContent = call.window_number;
      fragment.appendChild(row);
    });
    rows.replaceChildren(fragment);
  }

  function drawWaiting(waiting) {
    var list = $("[data-waiting]");
    var template = document.getElementById("waiting-row-template");
    var fragment = document.createDocumentFragment();
    waiting.forEach(function (entry) {
      var row = template.content.firstElementChild.cloneNode(true);
      row.querySelector(".display-prefix").textContent = entry.prefix;
      row.querySelector(".display-category").textContent = entry.name;
      row.querySelector(".display-count strong").textContent = String(entry.waiting);
      fragment.appendChild(row);
    });
    list.replaceChildren(fragment);
  }

  function flashLatest() {
    var box = $("[data-latest]");
    box.classList.remove("is-new");
    void box.offsetWidth; // restart the animation
    box.classList.add("is-new");
  }

  // ---- speech: the spoken text is also shown in the footer while it plays ----
  function showSpeaking(text) {
    var line = $("[data-speaking]");
    $("[data-speaking-text]").textContent = text;
    line.hidden = false;
    $("[data-tip]").hidden = true;
    window.clearTimeout(speakingTimer);
    speakingTimer = window.setTimeout(function () {
      line.hidden = true;
      $("[data-tip]").hidden = false;
    }, 8000);
  }

  function say(text) {
    if (!audioOn || !synth || typeof window.SpeechSynthesisUtterance !== "function") { return; }
    var utterance = new window.SpeechSynthesisUtterance(text);
    utterance.lang = speechLang;
    utterance.rate = 0.9;
    synth.speak(utterance);
  }

  function announce(calls) {
    var fresh = calls.filter(function (call) { return call.event_id > lastEventId; });
    fresh.sort(function (a, b) { return a.event_id - b.event_id; });
    // After a network gap, announce only the most recent few rather than a long backlog.
    fresh = fresh.slice(-MAX_BACKLOG);
    fresh.forEach(function (call) {
      showSpeaking(call.spoken);
      say(call.spoken);
    });
    if (fresh.length) { flashLatest(); }
    lastEventId = Math.max(lastEventId, maxEventId(calls));
  }

  function apply(state) {
    if (state.now) { clockOffsetMs = Date.parse(state.now) - Date.now(); }
    drawCalls(state.calls);
    drawWaiting(state.waiting);
    announce(state.calls);
  }

  // ---- polling: one request at a time, the next one a second after the last answer ----
  function setOffline(offline) { $("[data-offline]").hidden = !offline; }

  function poll() {
    fetch(stateUrl, { headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 401) {
          return response.json().then(function (body) { window.location.assign(body.login_url); return null; });
        }
        if (response.status === 403 || response.redirected) { window.location.reload(); return null; }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (state) {
        if (state) { setOffline(false); apply(state); }
      })
      .catch(function () { setOffline(true); })
      .then(function () { window.setTimeout(poll, pollMs); });
  }

  // ---- the one-time gesture that allows audio ----
  function setUpAudio() {
    var overlay = $("[data-audio-overlay]");
    var button = $("[data-audio-enable]");
    if (!synth || typeof window.SpeechSynthesisUtterance !== "function") {
      $("[data-audio-unsupported]").hidden = false;
    }
    button.addEventListener("click", function () {
      overlay.hidden = true;
      if (!synth) { return; }
      audioOn = true;
      synth.cancel();
      say($("[data-audio-enabled-text]").textContent);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var initial = JSON.parse(document.getElementById("display-initial").textContent);
    // What was called before this screen started is shown, not spoken again.
    lastEventId = maxEventId(initial.calls);
    if (initial.now) { clockOffsetMs = Date.parse(initial.now) - Date.now(); }
    setUpAudio();
    tickClock();
    window.setInterval(tickClock, 1000);
    window.setTimeout(poll, pollMs);
  });
})();
