// Recording the call on the officer's console, where the force allows it and the victim agreed
// (rvr/recording.py). The console asks her page at the start of the call; with her yes, one
// MediaRecorder records her side (the remote stream) and one the officer's (the local one),
// each uploading a chunk every chunk_seconds, in order, to the hub. Media never passes through
// the hub's peer. The "recording" indicator comes on when the hub says a chunk is stored. A
// chunk that cannot be stored ends the recording (its chain cannot skip one): the console tells
// the hub, which logs it and turns the indicator off on both pages.
(function () {
  "use strict";
  const holder = document.getElementById("recording-config");
  if (!holder || !window.rvr) return;
  const config = JSON.parse(holder.textContent);
  const status = document.getElementById("recording-status");
  const indicator = document.getElementById("recording-indicator");
  const videos = { victim: document.getElementById("remote-video"), officer: document.getElementById("local-video") };
  const recorders = {};
  const queues = { victim: Promise.resolve(), officer: Promise.resolve() };
  const nextSeq = Object.assign({}, config.next_seq);
  let consent = config.consent;
  let stopped = false;
  let watcher = null;
  let announced = false;
  let failed = false;

  function say(text) { status.textContent = text; }
  function csrf() { return document.querySelector("input[name=csrfmiddlewaretoken]").value; }

  function ask() {
    if (config.allowed && consent === null) window.rvr.send({ type: "recording.ask" });
  }

  function mimeType() {
    const types = ["video/webm;codecs=vp8,opus", "video/webm"];
    return types.find(function (t) { return window.MediaRecorder && MediaRecorder.isTypeSupported(t); }) || "";
  }

  // Each side's recorder follows that side's stream; a new stream (the victim reconnected)
  // starts a new recorder that carries the chunk numbers on.
  function follow() {
    if (stopped) return;
    Object.keys(videos).forEach(function (track) {
      const stream = videos[track] && videos[track].srcObject;
      const current = recorders[track];
      if (!stream || !stream.getTracks().length) return;
      if (current && current.stream === stream && current.state !== "inactive") return;
      if (current && current.state !== "inactive") current.stop();
      record(track, stream);
    });
  }

  function record(track, stream) {
    const recorder = new MediaRecorder(stream, { mimeType: mimeType() });
    recorder.ondataavailable = function (event) { if (event.data && event.data.size) upload(track, event.data); };
    recorder.start(config.chunk_seconds * 1000);
    recorders[track] = recorder;
  }

  function start() {
    if (config.stopped) { say("The recording of this call stopped."); return; }
    if (stopped || watcher) return;
    if (!window.MediaRecorder) { say("This browser cannot record the call."); return; }
    say("The victim agreed to the call being recorded. Starting…");
    follow();
    watcher = setInterval(follow, 1000);
  }

  function stop() {
    stopped = true;
    clearInterval(watcher);
    Object.keys(recorders).forEach(function (track) {
      if (recorders[track].state !== "inactive") recorders[track].stop();
    });
  }

  // Chunks go up one at a time per side, in order; a failed send is tried again, and the hub
  // takes a repeat of a chunk it already has as the same chunk.
  function upload(track, blob) {
    const seq = nextSeq[track];
    nextSeq[track] += 1;
    queues[track] = queues[track].then(function () { return failed ? null : send(track, seq, blob, 3); });
  }

  // The recording cannot go on: stop the recorders, say so here, and tell the hub (which logs
  // it and tells both pages; if that fails too, this page still shows it stopped).
  function fail(text, reason) {
    if (failed) return;
    failed = true;
    stop();
    indicator.hidden = true;
    say(text);
    fetch(config.stop, {
      method: "POST", credentials: "same-origin", body: JSON.stringify({ reason: reason }),
      headers: { "X-CSRFToken": csrf(), "Content-Type": "application/json" } }).catch(function () {});
  }

  async function send(track, seq, blob, tries) {
    let response = null;
    try {
      response = await fetch(config.upload + "?track=" + track + "&seq=" + seq, {
        method: "POST", body: blob, credentials: "same-origin",
        headers: { "X-CSRFToken": csrf(), "Content-Type": blob.type || "video/webm" } });
    } catch (error) {
      if (tries > 1) return send(track, seq, blob, tries - 1);
      fail("A part of the recording could not be sent: the recording stopped.", "upload_failed");
      return;
    }
    if (response.ok) {
      say("Recording the call (both sides).");
      // The first stored chunk: the hub checks it holds one and tells both pages.
      if (!announced) { announced = true; window.rvr.send({ type: "recording.started" }); }
      return;
    }
    const data = await response.json().catch(function () { return {}; });
    if (response.status >= 500 && tries > 1) return send(track, seq, blob, tries - 1);
    const why = "The recording stopped" + (data.error ? ": " + data.error : ".");
    if (response.status >= 500) fail(why, "upload_failed"); else fail(why, "refused");
  }

  document.addEventListener("rvr:message", function (event) {
    const message = event.detail;
    if (message.type === "welcome" || (message.type === "peer.joined" && message.side === "victim")) ask();
    if (message.type === "recording.consent") {
      consent = message.agreed;
      if (message.agreed) start(); else say("The victim said no: this call is not recorded.");
    }
    if (message.type === "recording.state" && message.state === "not_allowed") say("This force does not record video calls.");
    if (message.type === "video.recording") indicator.hidden = false;
    if (message.type === "video.recording_stopped") {
      stop();
      indicator.hidden = true;
      if (!failed) say("The recording of this call stopped.");
    }
    if (message.type === "video.ended") { stop(); indicator.hidden = true; }
  });

  // The officer ending the call stops the recorders first, so their last seconds are sent.
  const end = document.getElementById("end-call");
  if (end) end.addEventListener("click", stop, true);
  if (consent === true) start();
})();
