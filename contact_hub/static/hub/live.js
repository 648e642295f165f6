// Live regions: any element with data-live-url is re-fetched over HTTP when the hub's websocket
// says something changed, and after every reconnect, so a lost event never leaves a stale page.
// data-live-person="<id>" limits a region to events about that person; data-refresh-seconds
// also refreshes a region on a timer, for content that depends on the clock (waits, retries).
(function () {
  "use strict";
  const regions = Array.from(document.querySelectorAll("[data-live-url]"));
  const state = document.getElementById("live-state");
  if (!regions.length) return;
  let retry = 1000;
  const pending = new Map();

  function show(s, text) {
    if (!state) return;
    state.dataset.state = s;
    state.textContent = text;
  }

  async function refresh(region) {
    const response = await fetch(region.dataset.liveUrl, { credentials: "same-origin", cache: "no-store" });
    if (response.ok) region.innerHTML = await response.text();
  }

  function refreshSoon(region) {
    if (pending.has(region)) return;
    pending.set(region, setTimeout(function () { pending.delete(region); refresh(region); }, 150));
  }

  function concerns(region, event) {
    const person = region.dataset.livePerson;
    return !person || event.person_id === undefined || String(event.person_id) === person;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(scheme + "://" + location.host + "/ws/hub/");
    socket.onopen = function () { retry = 1000; show("live", "live"); regions.forEach(refresh); };
    socket.onmessage = function (message) {
      const event = JSON.parse(message.data);
      regions.filter(function (r) { return concerns(r, event); }).forEach(refreshSoon);
    };
    socket.onclose = function (event) {
      if (event.code === 4403) { show("offline", "sign in again"); return; }
      show("offline", "reconnecting…");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    };
  }
  connect();
  regions.filter(function (r) { return r.dataset.refreshSeconds; }).forEach(function (region) {
    setInterval(function () { refresh(region); }, Number(region.dataset.refreshSeconds) * 1000);
  });
})();
