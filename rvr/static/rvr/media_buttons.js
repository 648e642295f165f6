// The microphone and camera buttons of the victim's and the interpreter's call pages: each
// turns its own tracks off or on and says what pressing it again will do. `media` gives the
// page's camera and microphone stream, or null before it has one.
window.rvrMediaButtons = function (media) {
  "use strict";
  function bind(selector, tracksOf, onText, offText) {
    document.querySelector(selector).addEventListener("click", function (event) {
      const stream = media();
      const tracks = stream ? tracksOf(stream) : [];
      const turningOff = tracks.length > 0 && tracks[0].enabled;
      tracks.forEach(function (t) { t.enabled = !turningOff; });
      event.currentTarget.setAttribute("aria-pressed", String(turningOff));
      event.currentTarget.textContent = turningOff ? onText : offText;
    });
  }
  bind("[data-mute]", function (s) { return s.getAudioTracks(); }, "Unmute", "Mute");
  bind("[data-camera]", function (s) { return s.getVideoTracks(); }, "Camera on", "Camera off");
};
