// Countdowns: every <time class="countdown" data-target="…"> ticks each second, on every page,
// and turns "over" when the target passes. The server renders the same words first.
(function () {
  "use strict";
  function text(seconds) {
    const span = Math.abs(seconds);
    const h = Math.floor(span / 3600), m = Math.floor((span % 3600) / 60), s = span % 60;
    const pad = function (n) { return String(n).padStart(2, "0"); };
    const body = h ? h + "h " + pad(m) + "m" : m + "m " + pad(s) + "s";
    return body + (seconds >= 0 ? " left" : " over");
  }
  function tick() {
    const now = Date.now();
    document.querySelectorAll("time.countdown[data-target]").forEach(function (el) {
      const seconds = Math.trunc((Date.parse(el.dataset.target) - now) / 1000);
      el.textContent = text(seconds);
      el.dataset.state = seconds < 0 ? "over" : (seconds < 600 ? "near" : "running");
    });
  }
  tick();
  setInterval(tick, 1000);
})();
