// Live regions: the websocket only says "something changed"; each element with data-live-url
// is fetched over HTTP. The server says "resync" on every (re)connect, so a dropped event never
// leaves a stale page. Fetches are coalesced per region: one at a time, and one more if events
// arrived meanwhile, so a burst of events costs two fetches, not one each, and no fixed delay.
//   data-live-person="<id>"    only events about that person refresh the region
//   data-refresh-seconds="N"   also refresh on a timer (content that depends on the clock)
(function () {
  "use strict";
  const regions = Array.from(document.querySelectorAll("[data-live-url]"));
  const state = document.getElementById("live-state");
  if (!regions.length) return;
  let retry = 1000;
  const running = new Set();
  const again = new Set();

  function show(s, text) { if (state) { state.dataset.state = s; state.textContent = text; } }

  async function fetchRegion(region) {
    const response = await fetch(region.dataset.liveUrl, { credentials: "same-origin", cache: "no-store" });
    if (response.ok) {
      region.innerHTML = await response.text();
      region.dataset.syncedAt = String(Date.now());
    }
  }

  async function refresh(region) {
    if (running.has(region)) { again.add(region); return; }
    running.add(region);
    try {
      do { again.delete(region); await fetchRegion(region); } while (again.has(region));
    } catch (error) {
      show("offline", "cannot reach the hub");
    } finally {
      running.delete(region);
    }
  }

  function concerns(region, event) {
    const person = region.dataset.livePerson;
    if (!person || event.kind === "resync") { return true; }
    if (event.person_ids !== undefined) { return event.person_ids.map(String).includes(person); }
    return event.person_id === undefined || String(event.person_id) === person;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(scheme + "://" + location.host + "/ws/hub/");
    socket.onopen = function () { retry = 1000; show("live", "live"); };
    socket.onmessage = function (message) {
      const event = JSON.parse(message.data);
      regions.filter(function (r) { return concerns(r, event); }).forEach(refresh);
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
