// Live list: the websocket only says "something changed"; the list is always fetched over HTTP,
// and fetched again after every reconnect, so a lost event never leaves a stale queue.
(function () {
  "use strict";
  const box = document.querySelector("[data-list-url]");
  const state = document.getElementById("live-state");
  if (!box) return;
  let retry = 1000;
  let pending = null;

  function show(s, text) { state.dataset.state = s; state.textContent = text; }

  async function refresh() {
    const response = await fetch(box.dataset.listUrl, { credentials: "same-origin", cache: "no-store" });
    if (response.ok) box.innerHTML = await response.text();
  }

  function refreshSoon() {
    if (pending) return;
    pending = setTimeout(function () { pending = null; refresh(); }, 150);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(scheme + "://" + location.host + "/ws/hub/");
    socket.onopen = function () { retry = 1000; show("live", "live"); refresh(); };
    socket.onmessage = refreshSoon;
    socket.onclose = function (event) {
      if (event.code === 4403) { show("offline", "sign in again"); return; }
      show("offline", "reconnecting…");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    };
  }
  connect();
  // Lists whose content depends on the clock (waits, retry times) also refresh on a timer.
  if (box.dataset.refreshSeconds) setInterval(refresh, Number(box.dataset.refreshSeconds) * 1000);
})();
