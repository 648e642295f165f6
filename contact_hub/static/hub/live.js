// Live regions: the websocket only says "something changed"; each region with data-live-url
// is fetched over HTTP. The server says "resync" on every (re)connect, so a dropped event never
// leaves a stale queue. Fetches are coalesced: one at a time, and one more if events arrived
// meanwhile, so a burst of events costs two fetches, not one each, and no fixed delay.
(function () {
  "use strict";
  const regions = Array.from(document.querySelectorAll("[data-live-url]"));
  const state = document.getElementById("live-state");
  if (!regions.length) return;
  let retry = 1000;
  let running = false;
  let again = false;

  function show(s, text) { if (state) { state.dataset.state = s; state.textContent = text; } }

  async function fetchRegion(region) {
    const response = await fetch(region.dataset.liveUrl, { credentials: "same-origin", cache: "no-store" });
    if (response.ok) {
      region.innerHTML = await response.text();
      region.dataset.syncedAt = String(Date.now());
    }
  }

  async function refresh() {
    if (running) { again = true; return; }
    running = true;
    try {
      do { again = false; await Promise.all(regions.map(fetchRegion)); } while (again);
    } catch (error) {
      show("offline", "cannot reach the hub");
    } finally {
      running = false;
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(scheme + "://" + location.host + "/ws/hub/");
    socket.onopen = function () { retry = 1000; show("live", "live"); };
    socket.onmessage = refresh;
    socket.onclose = function (event) {
      if (event.code === 4403) { show("offline", "sign in again"); return; }
      show("offline", "reconnecting…");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    };
  }
  connect();
})();
