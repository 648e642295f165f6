// The officer's interpreter controls on the call page: invite (the link is in the answer only,
// shown here once to pass to the interpreting service) and revoke. The media connection with
// the interpreter is interpreter_peer.js's.
(function () {
  "use strict";
  const invite = document.getElementById("interpreter-invite");
  const revoke = document.getElementById("interpreter-revoke");
  const shown = document.getElementById("interpreter-link");
  const url = document.getElementById("interpreter-url");
  const result = document.getElementById("interpreter-result");
  if (!invite) return;

  async function post(form) {
    const response = await fetch(form.action, { method: "POST", body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-CSRFToken": form.elements.csrfmiddlewaretoken.value } });
    return response.json().catch(function () { return { error: "Not done: try again." }; });
  }

  invite.addEventListener("submit", async function (event) {
    event.preventDefault();
    const data = await post(invite);
    if (data.error) { result.textContent = data.error; return; }
    url.value = data.link;
    shown.hidden = false;
    revoke.hidden = false;
    result.textContent = "";
    url.select();
  });

  revoke.addEventListener("submit", async function (event) {
    event.preventDefault();
    const data = await post(revoke);
    if (data.error) { result.textContent = data.error; return; }
    url.value = "";
    shown.hidden = true;
    revoke.hidden = true;
    result.textContent = "The interpreter's link no longer works.";
  });
})();
