// "Later": leaves the page exactly as the quick exit does, with its own last word to the hub,
// on the socket and by a request that outlives the page (either is enough); an "exit" from the
// hub leaves it the same way. No sound, nothing shown.
(function () {
  "use strict";
  if (!window.rvr || !window.rvr.leave) return;
  const url = "/v/" + location.pathname.split("/")[2] + "/later/";

  function post() {
    return fetch(url, { method: "POST", keepalive: true, credentials: "same-origin",
      cache: "no-store", referrerPolicy: "no-referrer" });
  }

  // Once more if the first is lost on the way or the hub fails (5xx): the page lives on until
  // the neutral site answers, and a repeat changes nothing at the hub. A refusal is final.
  function postWithRetry() {
    post().then(function (response) {
      if (response.status >= 500) return post();
    }, post).catch(function () {});
  }

  function later(event) {
    event.preventDefault();
    window.rvr.send({ type: "later" });
    postWithRetry();
    window.rvr.leave(null);
  }

  document.querySelectorAll("[data-later]").forEach(function (button) {
    button.addEventListener("click", later);
  });
  document.addEventListener("rvr:message", function (event) {
    if (event.detail && event.detail.type === "exit") window.rvr.leave(null);
  });
})();
