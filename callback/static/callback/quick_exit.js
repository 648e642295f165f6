// Quick exit: one tap (or Escape) replaces this page in the history with a neutral one, so the
// back button does not bring it back.
(function () {
  "use strict";
  const link = document.querySelector("[data-quick-exit]");
  if (!link) return;
  function leave(event) {
    if (event) event.preventDefault();
    document.body.innerHTML = "";
    window.location.replace(link.href);
  }
  link.addEventListener("click", leave);
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") leave(event); });
})();
