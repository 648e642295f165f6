// The officer's view of what the victim shares in the call (her location, photos and files).
// The socket only says that something was shared; this re-fetches the list from the hub, which
// records the look, when told, when the socket (re)connects, and when the page opens.
(function () {
  "use strict";
  const box = document.getElementById("victim-shared");
  if (!box) return;
  let fetching = false;
  let again = false;

  function refresh() {
    // A notice that comes during a fetch is not lost: one more fetch follows it.
    if (fetching) { again = true; return; }
    fetching = true;
    fetch(box.dataset.url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) box.innerHTML = html; })
      .catch(function () {})
      .finally(function () {
        fetching = false;
        if (again) { again = false; refresh(); }
      });
  }

  document.addEventListener("rvr:message", function (event) {
    const type = event.detail && event.detail.type;
    if (type === "video.shared" || type === "welcome") refresh();
  });
  refresh();
})();
