// Live regions: the websocket mostly says "something changed", and each element with
// data-live-url is fetched over HTTP. The server says "resync" on every (re)connect, so a
// dropped event never leaves a stale page. Fetches are coalesced per region: one at a time, and
// one more if events arrived meanwhile, so a burst of events costs two fetches, not one each.
//   data-live-person="<id>"    only events about that person refresh the region
//   data-refresh-seconds="N"   also refresh on a timer (content that depends on the clock)
//   data-live-rows="<kind>"    events of that kind carry the region's rows, rendered by the
//                              server for this reader: each is placed by its data-order with no
//                              fetch (or, named in "fetch", fetched on its own: ?messages=<ids>);
//                              the whole region is fetched again once events pause, so nothing
//                              drifts. Every other region ignores such events.
//   data-live-skip="<kinds>"   events of these kinds (space-separated) do not concern the region
(function () {
  "use strict";
  const regions = Array.from(document.querySelectorAll("[data-live-url]"));
  const state = document.getElementById("live-state");
  if (!regions.length) return;
  let retry = 1000;
  const running = new Set();
  const pending = new Map();  // region -> "new" or "all" (all wins)
  const newIds = new Map();   // region -> message ids to fetch on their own
  const held = new Map();     // region -> pushed rows that arrived during a whole fetch
  const resync = new Map();   // region -> {timer, due}
  // Spread per page: every dashboard is sent the same rows at the same moment, and a control
  // room's pages all fetching the whole queue at once would hold the next rows back.
  const QUIET_MS = 2000 + Math.random() * 1000, MOST_MS = 10000 + Math.random() * 5000;

  // The page fetching by itself is not the person using it: it must not keep an idle session
  // open (contact_hub/staff/sessions.py). When the session has ended, reload to the sign-in.
  const BACKGROUND = { credentials: "same-origin", cache: "no-store",
                       headers: { "X-Hub-Background": "1" } };
  function signedOut(response) {
    if (response.status !== 401) return false;
    location.reload();
    return true;
  }

  function show(s, text) { if (state) { state.dataset.state = s; state.textContent = text; } }

  async function fetchAll(region) {
    newIds.delete(region);
    const due = resync.get(region);
    if (due) { clearTimeout(due.timer); resync.delete(region); }
    const response = await fetch(region.dataset.liveUrl, BACKGROUND);
    if (signedOut(response)) return;
    if (response.ok) {
      region.innerHTML = await response.text();
      region.dataset.syncedAt = String(Date.now());
    }
  }

  function queueTable(region) {
    const table = region.querySelector("table[data-limit]");
    const mark = region.querySelector("[data-newest-message]");
    return table && mark ? { table: table, mark: mark } : null;
  }

  // Just these messages' rows, placed by order; false if the region cannot take rows on their
  // own (nothing shown yet, too many at once), so the caller fetches it all.
  async function fetchNew(region, ids) {
    const queue = queueTable(region);
    // Past the most ids the server takes at once, the whole region is the cheaper fetch.
    if (!queue || !ids.length || ids.length > Number(queue.table.dataset.mostIds)) return false;
    const url = new URL(region.dataset.liveUrl, location.href);
    url.searchParams.set("messages", ids.join(","));
    const limit = Number(queue.table.dataset.limit);
    const rows = queue.table.tBodies[0].rows;
    // A full page only needs rows that sort above its last one.
    if (rows.length >= limit) url.searchParams.set("before", rows[rows.length - 1].dataset.order);
    const response = await fetch(url, BACKGROUND);
    if (signedOut(response)) return true;
    if (!response.ok) return false;
    const holder = document.createElement("template");
    holder.innerHTML = await response.text();
    const fresh = holder.content.querySelector("[data-newest-message]");
    if (!fresh) return false;
    rowsPlace(queue.table.tBodies[0], holder.content.querySelectorAll("tr[data-item]"), limit);
    newestMark(queue.mark, Number(fresh.dataset.newestMessage));
    waitingShow(region, Number(fresh.dataset.waiting));
    region.dataset.syncedAt = String(Date.now());
    return true;
  }

  function rowsPlace(body, rows, limit) {
    rows.forEach(function (row) {
      const same = body.querySelector('tr[data-item="' + CSS.escape(row.dataset.item) + '"]');
      // The rules' first look at a contact never replaces the worker's fuller row.
      if (same && row.dataset.stage === "rules") return;
      if (same) same.remove();
      const after = Array.from(body.rows).find(function (r) { return r.dataset.order > row.dataset.order; });
      body.insertBefore(row, after || null);
    });
    // The page shows the top `limit` of the queue: a row pushed below it is no longer shown.
    while (body.rows.length > limit) body.deleteRow(-1);
  }

  function newestMark(mark, id) {
    if (id > Number(mark.dataset.newestMessage || 0)) mark.dataset.newestMessage = String(id);
  }

  function waitingShow(region, waiting) {
    const mark = region.querySelector("[data-waiting]");
    const notice = region.querySelector("[data-queue-notice]");
    if (mark) mark.dataset.waiting = String(waiting);
    if (!notice) return;
    const count = notice.querySelector("[data-waiting-count]");
    if (count) count.textContent = String(waiting);
    notice.hidden = waiting <= Number(notice.dataset.limit);
  }

  // Rows the server pushed, already rendered for this reader. Their forms need this page's
  // CSRF token, which a row rendered once for every page cannot carry.
  function pushedPlace(region, event) {
    const queue = queueTable(region);
    if (!queue) return false;
    const token = document.querySelector('input[name="csrfmiddlewaretoken"]');
    const holder = document.createElement("template");
    holder.innerHTML = event.rows.map(function (row) { return row.html; }).join("");
    const rows = holder.content.querySelectorAll("tr[data-item]");
    rows.forEach(function (row) {
      row.querySelectorAll('input[name="csrfmiddlewaretoken"]').forEach(function (input) {
        input.value = token ? token.value : "";
      });
      newestMark(queue.mark, Number(row.dataset.messageId || 0));
    });
    rowsPlace(queue.table.tBodies[0], rows, Number(queue.table.dataset.limit));
    const empty = !queue.table.tBodies[0].rows.length;
    queue.table.hidden = empty;
    region.querySelectorAll("[data-queue-empty]").forEach(function (p) { p.hidden = !empty; });
    if (event.waiting !== undefined) waitingShow(region, event.waiting);
    region.dataset.syncedAt = String(Date.now());
    return true;
  }

  function rowsArrived(region, event) {
    if (event.fetch) refresh(region, "new", event.fetch);
    if (!event.rows.length && event.waiting === undefined) return;
    if (running.has(region)) {
      // A fetch is under way: its answer may predate these rows, so they go on top of it.
      held.set(region, (held.get(region) || []).concat([event]));
      return;
    }
    if (pushedPlace(region, event)) {
      resyncLater(region);
    } else {
      refresh(region, "all");
    }
  }

  function resyncLater(region) {
    const now = Date.now();
    const current = resync.get(region);
    const due = current ? current.due : now + MOST_MS;
    if (current) clearTimeout(current.timer);
    const timer = setTimeout(function () { resync.delete(region); refresh(region, "all"); },
                             Math.min(QUIET_MS, Math.max(0, due - now)));
    resync.set(region, { timer: timer, due: due });
  }

  async function refresh(region, mode, ids) {
    if (ids) newIds.set(region, (newIds.get(region) || []).concat(ids));
    if (pending.get(region) !== "all") pending.set(region, mode);
    if (running.has(region)) return;
    running.add(region);
    try {
      while (pending.has(region)) {
        const next = pending.get(region);
        pending.delete(region);
        const ids = newIds.get(region) || [];
        newIds.delete(region);
        if (next === "new" && await fetchNew(region, ids)) {
          resyncLater(region);
        } else {
          await fetchAll(region);
        }
        const waiting = held.get(region) || [];
        held.delete(region);
        waiting.forEach(function (event) { pushedPlace(region, event); });
      }
    } catch (error) {
      show("offline", "cannot reach the hub");
    } finally {
      running.delete(region);
    }
  }

  function concerns(region, event) {
    if (event.kind === "resync") return true;
    if (event.rows !== undefined) return region.dataset.liveRows === event.kind;
    if ((region.dataset.liveSkip || "").split(" ").includes(event.kind)) return false;
    const person = region.dataset.livePerson;
    if (!person) return true;
    if (event.person_ids !== undefined) { return event.person_ids.map(String).includes(person); }
    return event.person_id === undefined || String(event.person_id) === person;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(scheme + "://" + location.host + "/ws/hub/");
    socket.onopen = function () { retry = 1000; show("live", "live"); };
    socket.onmessage = function (message) {
      const event = JSON.parse(message.data);
      // A region no longer on the page (the console that became a call) is not fetched.
      regions.filter(function (r) { return r.isConnected && concerns(r, event); }).forEach(function (region) {
        if (event.rows !== undefined) {
          rowsArrived(region, event);
        } else {
          refresh(region, "all");
        }
      });
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
    setInterval(function () { if (region.isConnected) refresh(region, "all"); }, Number(region.dataset.refreshSeconds) * 1000);
  });
})();
