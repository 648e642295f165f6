// What the victim may share from the waiting room and the call: her location, only when she
// presses "Share my location" (the browser asks her then, never before), and a photo or file
// from the call. Both go to the hub from this browser alone (its cookie); whatever goes wrong,
// she sees a calm line and nothing else on the page changes.
(function () {
  "use strict";
  const base = "/v/" + location.pathname.split("/")[2] + "/";
  const GEO_OPTIONS = { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 };
  const LOCATION_WORDS = {
    sent: "Your location was sent to the officer.",
    denied: "Your location was not shared. That's fine: you can carry on.",
    unavailable: "Your location could not be found just now. You can try again, or carry on.",
    failed: "Your location could not be sent just now. You can try again, or carry on."
  };

  function post(path, body, type) {
    return fetch(base + path, { method: "POST", body: body, credentials: "same-origin",
      cache: "no-store", referrerPolicy: "no-referrer", headers: { "Content-Type": type } });
  }

  async function refusal(response, otherwise) {
    const data = await response.json().catch(function () { return {}; });
    return data.refusal || otherwise;
  }

  function shareLocation(box) {
    const button = box.querySelector("[data-share-location]");
    const status = box.querySelector("[data-share-location-status]");
    if (!navigator.geolocation) { status.textContent = LOCATION_WORDS.unavailable; return; }
    button.disabled = true;
    status.textContent = "Finding your location…";
    navigator.geolocation.getCurrentPosition(async function (position) {
      const c = position.coords;
      const body = JSON.stringify({ latitude: c.latitude, longitude: c.longitude,
        accuracy: c.accuracy, timestamp: position.timestamp });
      try {
        const response = await post("location/", body, "application/json");
        status.textContent = response.ok ? LOCATION_WORDS.sent
          : await refusal(response, LOCATION_WORDS.failed);
      } catch (error) {
        status.textContent = LOCATION_WORDS.failed;
      }
      button.disabled = false;
    }, function (error) {
      status.textContent = error.code === error.PERMISSION_DENIED ? LOCATION_WORDS.denied
        : LOCATION_WORDS.unavailable;
      button.disabled = false;
    }, GEO_OPTIONS);
  }

  async function sendFile(form) {
    const input = form.querySelector("[data-share-file]");
    const status = form.querySelector("[data-share-file-status]");
    const file = input.files && input.files[0];
    if (!file) { status.textContent = "Choose a photo or file first."; return; }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    status.textContent = "Sending…";
    try {
      // The bytes alone: the hub decides what the file is from them, not from its name.
      const response = await post("uploads/", file, "application/octet-stream");
      if (response.ok) {
        status.textContent = "Sent to the officer.";
        input.value = "";
      } else if (response.status === 413) {
        status.textContent = await refusal(response, "That file is too large to send.");
      } else {
        status.textContent = await refusal(response, "That file could not be sent.");
      }
    } catch (error) {
      status.textContent = "That file could not be sent just now. You can try again.";
    }
    button.disabled = false;
  }

  document.querySelectorAll("[data-share-location-box]").forEach(function (box) {
    box.querySelector("[data-share-location]").addEventListener("click", function () {
      shareLocation(box);
    });
  });
  document.querySelectorAll("[data-share-file-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      sendFile(form);
    });
  });
})();
