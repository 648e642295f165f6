// The victim's side of recording with consent (rvr/recording.py): the question, asked once at
// the start of the call when the force records calls; her answer; and the indicator while the
// call is being recorded. Saying no changes nothing else about the call.
(function () {
  "use strict";
  const box = document.querySelector("[data-recording-ask]");
  if (!box || !window.rvr) return;
  const question = document.querySelector("[data-recording-question]");
  const answered = document.querySelector("[data-recording-answered]");
  const indicator = document.querySelector("[data-recording-indicator]");

  function told(agreed) {
    box.hidden = true;
    answered.textContent = agreed ? "You agreed to this call being recorded." : "This call is not being recorded.";
    answered.hidden = false;
  }

  document.querySelectorAll("[data-recording-answer]").forEach(function (button) {
    button.addEventListener("click", function () {
      box.hidden = true;
      window.rvr.send({ type: "recording.consent", agreed: button.dataset.recordingAnswer === "yes" });
    });
  });

  document.addEventListener("rvr:message", function (event) {
    const message = event.detail;
    if (message.type === "recording.ask") {
      question.textContent = message.question;
      box.hidden = false;
      answered.hidden = true;
    }
    if (message.type === "recording.consent") told(message.agreed);
    if (message.type === "video.recording") indicator.hidden = false;
    if (message.type === "video.recording_stopped") {
      indicator.hidden = true;
      answered.textContent = "The call is no longer being recorded.";
      answered.hidden = false;
    }
  });
})();
