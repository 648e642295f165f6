// The answering end of an interpreter's peer connection, on the victim's page and on the
// officer's call page: the interpreter's browser offers (socket messages carrying
// peer: "interpreter"), this page answers with its own camera and microphone. The call's own
// connection is untouched: victim.js and officer.js leave messages with a peer to this file.
(function () {
  "use strict";
  const video = document.querySelector("[data-interpreter-video]");
  const status = document.querySelector("[data-interpreter-status]");
  const WORDS = {
    "interpreter.invited": "An interpreter has been asked to join the call.",
    "interpreter.joined": "An interpreter has joined the call.",
    "interpreter.left": "The interpreter has left the call."
  };
  const CLOSING = ["interpreter.left", "interpreter.revoked", "video.ended", "video.revoked"];
  let pc = null;
  let queued = [];

  function say(text) {
    if (!status) return;
    status.textContent = text;
    status.hidden = false;
  }

  function close() {
    if (pc) pc.close();
    pc = null;
    queued = [];
    if (video) { video.srcObject = null; video.hidden = true; }
  }

  async function answer(sdp) {
    close();
    const rvr = window.rvr;
    // The call's ICE servers, but always through the relay, whatever the call's own policy:
    // the interpreter is outside the force and must not learn this side's address.
    const current = pc = new RTCPeerConnection(Object.assign({}, rvr.rtcConfig(),
      { iceTransportPolicy: "relay" }));
    current.onicecandidate = function (event) {
      rvr.send({ type: "candidate", peer: "interpreter",
        candidate: event.candidate ? event.candidate.toJSON() : null });
    };
    current.ontrack = function (event) {
      if (!video || video.srcObject === event.streams[0]) return;
      video.srcObject = event.streams[0];
      video.hidden = false;
      video.play().catch(function () {});
    };
    await current.setRemoteDescription({ type: "offer", sdp: sdp });
    const media = rvr.media();
    if (media) media.getTracks().forEach(function (t) { current.addTrack(t, media); });
    modeApply(rvr.mode ? rvr.mode() : "video");
    await current.setLocalDescription(await current.createAnswer());
    if (current !== pc) return;  // a newer offer replaced this one meanwhile
    rvr.send({ type: "answer", peer: "interpreter", sdp: current.localDescription.sdp });
    queued.splice(0).forEach(candidate);
  }

  // Send the interpreter what the call's own connection carries: everything, voice only, or
  // nothing (chat), as the victim's connection allows (call_quality.js).
  function modeApply(mode) {
    const media = window.rvr.media();
    if (!pc || !media) return;
    const video = media.getVideoTracks()[0];
    const audio = media.getAudioTracks()[0];
    pc.getTransceivers().forEach(function (t) {
      if (t.stopped || !t.receiver.track) return;
      const kind = t.receiver.track.kind;
      const track = kind === "video" ? (mode === "video" ? video : null) : (mode !== "chat" ? audio : null);
      t.sender.replaceTrack(track || null).catch(function () {});
    });
  }

  function candidate(value) {
    if (!pc || !pc.remoteDescription) { queued.push(value); return; }
    pc.addIceCandidate(value || null).catch(function () {});
  }

  document.addEventListener("rvr:message", function (event) {
    const message = event.detail;
    if (message.peer === "interpreter") {
      if (message.type === "offer") answer(message.sdp).catch(close);
      if (message.type === "candidate") candidate(message.candidate);
      return;
    }
    if (message.type === "mode" && message.side === "victim" && window.rvr.side === "officer") modeApply(message.mode);
    if (WORDS[message.type]) say(WORDS[message.type]);
    if (CLOSING.indexOf(message.type) >= 0) close();
  });
  // The victim's page switching itself (victim.js).
  document.addEventListener("rvr:mode", function (event) { modeApply(event.detail.mode); });
})();
