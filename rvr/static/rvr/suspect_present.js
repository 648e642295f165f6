// The officer's call page: the victim's "he's back" signal shown the moment it arrives, before
// the call ends (rvr/suspect_present.py tells the session's sockets first).
(function () {
  "use strict";
  const banner = document.getElementById("suspect-present");
  if (!banner) return;
  document.addEventListener("rvr:message", function (event) {
    if (!event.detail || event.detail.type !== "video.suspect_present") return;
    banner.hidden = false;
    banner.scrollIntoView({ block: "start" });
  });
})();
