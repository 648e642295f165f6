// The interpreter's page: join with the link, then one peer connection with each of the
// officer and the victim. This browser offers to both; the hub passes each message only to the
// end it names. It shows the call's video and sound, nothing else.
(function () {
  "use strict";
  const base = "/i/" + location.pathname.split("/")[2] + "/";
  const PEERS = ["officer", "victim"];
  let config = null;
  let socket = null;
  let media = null;
  let finished = false;
  const pcs = {};
  const queued = {};

  function $(selector) { return document.querySelector(selector); }
  function all(selector) { return Array.from(document.querySelectorAll(selector)); }
  function say(text) { $("[data-call-status]").textContent = text; }

  function show(name) {
    all("[data-screen]").forEach(function (s) { s.hidden = s.dataset.screen !== name; });
    const preview = $("[data-preview]");
    if (media && preview.srcObject !== media) preview.srcObject = media;
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function stopAll() {
    finished = true;
    PEERS.forEach(closePeer);
    if (media) media.getTracks().forEach(function (t) { t.stop(); });
    if (socket) socket.close();
  }

  function refuse(text) {
    stopAll();
    $("[data-refusal]").textContent = text;
    show("refused");
  }

  function finish(text) {
    stopAll();
    if (text) $("[data-ended-text]").textContent = text;
    show("ended");
  }

  async function join() {
    const response = await fetch(base + "join/", { method: "POST", credentials: "same-origin",
      cache: "no-store", referrerPolicy: "no-referrer" });
    const data = await response.json().catch(function () { return {}; });
    if (!response.ok) { refuse(data.refusal || "This link cannot be used."); return; }
    config = data;
    if (!media) {
      try {
        media = await navigator.mediaDevices.getUserMedia({ audio: true,
          video: { width: { ideal: 640 }, height: { ideal: 480 } } });
      } catch (error) {
        say("Your camera or microphone is not available: the others will not see or hear you.");
      }
    }
    show("call");
    connect();
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(scheme + "://" + location.host + config.socket);
    socket.onmessage = function (event) { handle(JSON.parse(event.data)); };
    socket.onclose = function (event) {
      if (finished) return;
      if (event.code === 4403) { refuse("This link is no longer active."); return; }
      finish("You have been disconnected from the call.");
    };
  }

  function handle(message) {
    const handlers = {
      "welcome": function () { say("Connecting…"); PEERS.forEach(offer); },
      "peer.joined": function () { if (PEERS.indexOf(message.side) >= 0) offer(message.side); },
      "peer.left": function () { if (message.side === "victim") say("The caller's connection dropped."); },
      "answer": function () { answered(message.peer, message.sdp); },
      "candidate": function () { candidate(message.peer, message.candidate); },
      "video.ended": function () { finish("The call has ended. Thank you."); },
      "video.revoked": function () { finish("The call has ended. Thank you."); },
      "interpreter.revoked": function () { finish("You are no longer on the call."); },
      "error": function () { say(message.reason); }
    };
    if (handlers[message.type]) handlers[message.type]();
  }

  function closePeer(peer) {
    if (pcs[peer]) pcs[peer].close();
    delete pcs[peer];
    queued[peer] = [];
  }

  async function offer(peer) {
    closePeer(peer);
    // Always through the relay: neither the victim nor the officer learns this browser's
    // address, nor it theirs (the hub drops any other candidate too).
    const pc = pcs[peer] = new RTCPeerConnection({ iceServers: config.ice_servers,
      iceTransportPolicy: "relay" });
    pc.onicecandidate = function (event) {
      send({ type: "candidate", peer: peer,
        candidate: event.candidate ? event.candidate.toJSON() : null });
    };
    pc.ontrack = function (event) {
      const video = $('[data-peer-video="' + peer + '"]');
      if (video.srcObject === event.streams[0]) return;
      video.srcObject = event.streams[0];
      video.play().catch(function () {});
    };
    pc.onconnectionstatechange = function () {
      if (pc.connectionState === "connected") say("Connected.");
    };
    if (media) media.getTracks().forEach(function (t) { pc.addTrack(t, media); });
    else {
      pc.addTransceiver("audio", { direction: "recvonly" });
      pc.addTransceiver("video", { direction: "recvonly" });
    }
    await pc.setLocalDescription(await pc.createOffer());
    send({ type: "offer", peer: peer, sdp: pc.localDescription.sdp });
  }

  function answered(peer, sdp) {
    const pc = pcs[peer];
    if (!pc || pc.signalingState !== "have-local-offer") return;
    pc.setRemoteDescription({ type: "answer", sdp: sdp }).then(function () {
      (queued[peer] || []).splice(0).forEach(function (c) { candidate(peer, c); });
    }).catch(function () {});
  }

  function candidate(peer, value) {
    const pc = pcs[peer];
    if (!pc) return;
    if (!pc.remoteDescription) { (queued[peer] = queued[peer] || []).push(value); return; }
    pc.addIceCandidate(value || null).catch(function () {});
  }

  function controls() {
    all("[data-join]").forEach(function (b) { b.addEventListener("click", join); });
    $("[data-leave]").addEventListener("click", function () { finish(""); });
    window.rvrMediaButtons(function () { return media; });
  }

  controls();
  const state = document.body.dataset.state;
  if (state === "refused") show("refused");
  else if (state === "returning") join();
  else show("join");
})();
