// The officer's side of a video call: camera, the offer to the victim's browser, chat, stills,
// and the record forms saved without leaving the page (leaving would drop the call).
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("call-config").textContent);
  const remote = document.getElementById("remote-video");
  const local = document.getElementById("local-video");
  let socket = null;
  let media = null;
  let pc = null;
  let queued = [];
  let finished = false;
  let retry = 1000;
  // How the victim's side says the call is carried: "video", "audio" or "chat" (call_quality.js).
  let mode = "video";
  // What the console made ready before Accept (officer_connect.js): the camera, and a peer
  // connection with its offer made and its candidates gathered. Used for the first offer only.
  let ready = window.rvrConnect ? window.rvrConnect.take() : null;

  function $(id) { return document.getElementById(id); }
  function say(id, text) { $(id).textContent = text; }

  function csrf() {
    return document.querySelector("input[name=csrfmiddlewaretoken]").value;
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function rtcConfig() {
    return { iceServers: config.ice_servers, iceTransportPolicy: config.relay_only ? "relay" : "all" };
  }

  function remoteShow(stream) {
    if (stream && remote.srcObject !== stream) {
      remote.srcObject = stream;
      remote.play().catch(function () {});
    }
  }

  function pcWire(current) {
    current.onicecandidate = function (event) {
      send({ type: "candidate", candidate: event.candidate ? event.candidate.toJSON() : null });
    };
    current.ontrack = function (event) { remoteShow(event.streams[0]); };
    current.onconnectionstatechange = function () {
      const state = current.connectionState;
      if (state === "connected") say("call-status", "Connected.");
      if (state === "failed") say("call-status", "The connection failed. Waiting for the victim to reconnect…");
    };
    if (current.connectionState === "connected") say("call-status", "Connected.");
  }

  // The call the console already started (officer_connect.js): its socket is open, the offer
  // sent, perhaps answered; from here this page carries on with it.
  function adopt(made) {
    ready = null;
    pc = made.pc;
    pcWire(pc);
    remoteShow(made.remote);
    socket = made.socket;
    socket.onclose = closed;
    made.attach(handle);
  }

  async function offer() {
    if (pc) pc.close();
    queued = [];
    const made = ready;
    ready = null;
    pc = made ? made.pc : window.rvrConnect.peer(rtcConfig(), media);
    pcWire(pc);
    if (mode !== "video") modeApply(mode);
    if (!made) await pc.setLocalDescription(await pc.createOffer());
    send({ type: "offer", sdp: pc.localDescription.sdp });
  }

  // What the officer sends follows the victim's mode: everything; voice only; nothing but chat.
  function modeApply(next) {
    mode = next;
    if (!pc) return;
    const video = media && media.getVideoTracks()[0];
    const audio = media && media.getAudioTracks()[0];
    pc.getTransceivers().forEach(function (t) {
      if (t.stopped || t.direction === "recvonly") return;
      const kind = t.receiver.track.kind;
      const track = kind === "video" ? (next === "video" ? video : null) : (next !== "chat" ? audio : null);
      t.sender.replaceTrack(track || null).catch(function () {});
    });
  }

  function candidate(value) {
    if (!pc || !pc.remoteDescription) { queued.push(value); return; }
    pc.addIceCandidate(value || null).catch(function () {});
  }

  function chatLine(from, text) {
    const line = document.createElement("li");
    line.textContent = (from === "officer" ? "You: " : "Victim: ") + text;
    $("chat-lines").appendChild(line);
    line.scrollIntoView({ block: "nearest" });
  }

  // Every socket message is also an event on the document, so a feature's own script
  // (recording.js...) can follow the call without this file knowing it; window.rvr.send lets
  // it speak on the same socket.
  window.rvr = { side: "officer", config: config, send: send };
  // The camera and the ICE settings, for a second peer connection (interpreter_peer.js).
  window.rvr.media = function () { return media; };
  window.rvr.rtcConfig = rtcConfig;
  // The call's peer connection, its mode, and what a poor connection is (call_quality.js).
  window.rvr.pc = function () { return pc; };
  window.rvr.mode = function () { return mode; };
  window.rvr.thresholds = function () { return config.quality; };

  function handle(message) {
    document.dispatchEvent(new CustomEvent("rvr:message", { detail: message }));
    if (message.peer) return;  // another connection's (the interpreter's): its script handles it
    const handlers = {
      "peer.joined": function () { if (message.side === "victim") offer(); },
      "peer.left": function () { if (message.side === "victim") say("call-status", "The victim's connection dropped. Waiting for them to come back…"); },
      "answer": function () {
        if (!pc) return;
        pc.setRemoteDescription({ type: "answer", sdp: message.sdp }).then(function () {
          queued.splice(0).forEach(candidate);
        });
      },
      "candidate": function () { candidate(message.candidate); },
      "chat": function () { chatLine(message.from, message.text); },
      "chat.held": function () { say("call-status", message.reason); },
      "mode": function () { if (message.side === "victim") modeApply(message.mode); },
      "video.ended": function () { ended("The call has ended. Record the outcome."); },
      "video.officer_withdrawn": function () { withdrawn(); },
      "error": function () { say("call-status", message.reason); }
    };
    if (handlers[message.type]) handlers[message.type]();
  }

  function finish(text) {
    finished = true;
    if (pc) pc.close();
    if (media) media.getTracks().forEach(function (t) { t.stop(); });
    say("call-status", text);
  }

  function ended(text) {
    finish(text);
    $("outcome-form").scrollIntoView();
  }

  // Taken off the call by the hub: nothing more of it is theirs, its outcome included.
  function withdrawn() {
    finish("You have been taken off this call. It goes to another officer.");
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(scheme + "://" + location.host + config.socket);
    socket.onopen = function () { retry = 1000; offer(); };
    socket.onmessage = function (event) { handle(JSON.parse(event.data)); };
    socket.onclose = closed;
  }

  function closed(event) {
    if (finished) return;
    if (event.code === 4403) { say("call-status", "This call is closed."); return; }
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 10000);
  }

  async function start() {
    try {
      media = ready ? ready.media : await window.rvrConnect.camera();
      if (local.srcObject !== media) local.srcObject = media;  // the stage's may already play it
    } catch (error) {
      say("call-status", "Your camera or microphone is not available; the victim will not see or hear you.");
    }
    if (!config.in_call) { say("call-status", "This call has ended."); return; }
    if (ready && ready.socket) {
      if (ready.socket.readyState <= WebSocket.OPEN) { adopt(ready); return; }
      ready.pc.close();  // its socket closed before this page came: start afresh
      ready = null;
    }
    connect();
  }

  // Saving the record without leaving the page.

  async function postForm(form, resultId, describe) {
    const response = await fetch(form.action, { method: "POST", body: new FormData(form),
      credentials: "same-origin", headers: { "X-CSRFToken": csrf() } });
    const data = await response.json().catch(function () { return { error: "Not saved." }; });
    say(resultId, data.error ? data.error : describe(data));
  }

  $("dash-form").addEventListener("submit", function (event) {
    event.preventDefault();
    // The server words the result from the force's form (its score, level and what high risk
    // needs), as the page does when it opens.
    postForm(event.currentTarget, "dash-result", function (d) { return d.summary; });
  });

  $("notes-form").addEventListener("submit", function (event) {
    event.preventDefault();
    postForm(event.currentTarget, "notes-result", function () { return "Notes saved."; });
  });

  $("capture").addEventListener("click", function () {
    if (!remote.videoWidth) { say("capture-result", "No video from the victim to capture yet."); return; }
    const canvas = document.createElement("canvas");
    canvas.width = remote.videoWidth;
    canvas.height = remote.videoHeight;
    canvas.getContext("2d").drawImage(remote, 0, 0);
    canvas.toBlob(async function (blob) {
      const response = await fetch("/rvr/sessions/" + config.session_id + "/stills/", {
        method: "POST", body: blob, credentials: "same-origin",
        headers: { "X-CSRFToken": csrf(), "Content-Type": "image/jpeg" } });
      const data = await response.json().catch(function () { return { error: "Not saved." }; });
      say("capture-result", data.error ? data.error : "Still saved as evidence. SHA-256 " + data.sha256);
    }, "image/jpeg", 0.92);
  });

  $("chat-form").addEventListener("submit", function (event) {
    event.preventDefault();
    const input = event.currentTarget.elements.text;
    if (input.value.trim()) send({ type: "chat", text: input.value.trim() });
    input.value = "";
  });

  $("mute").addEventListener("click", function (event) {
    const tracks = media ? media.getAudioTracks() : [];
    const muted = tracks.length > 0 && tracks[0].enabled;
    tracks.forEach(function (t) { t.enabled = !muted; });
    event.currentTarget.setAttribute("aria-pressed", String(muted));
    event.currentTarget.textContent = muted ? "Unmute" : "Mute";
  });

  $("camera").addEventListener("click", function (event) {
    const tracks = media ? media.getVideoTracks() : [];
    const off = tracks.length > 0 && tracks[0].enabled;
    tracks.forEach(function (t) { t.enabled = !off; });
    event.currentTarget.setAttribute("aria-pressed", String(off));
    event.currentTarget.textContent = off ? "Camera on" : "Camera off";
  });

  $("end-call").addEventListener("click", function () {
    send({ type: "hangup" });
    ended("You ended the call. Record the outcome.");
  });

  $("outcome-form").addEventListener("submit", function () { send({ type: "hangup" }); finished = true; });

  start();
})();
