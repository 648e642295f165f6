// The victim's video page: join, the connection check, the waiting room and the call.
// Nothing here loads from anywhere but this hub; the quick exit clears the page and replaces it
// in the history with a neutral site.
(function () {
  "use strict";
  const body = document.body;
  const base = "/v/" + location.pathname.split("/")[2] + "/";
  const CHECK_GIVE_UP_MS = 20000;
  let config = null;
  let socket = null;
  let media = null;
  let checkPc = null;
  let checkTimer = null;
  let callPc = null;
  let videoSender = null;
  let queued = [];
  let audioOnly = false;
  let finished = false;
  let reconnects = 0;

  function $(selector) { return document.querySelector(selector); }
  function all(selector) { return Array.from(document.querySelectorAll(selector)); }

  function show(name) {
    all("[data-screen]").forEach(function (s) { s.hidden = s.dataset.screen !== name; });
    all("[data-preview]").forEach(function (v) { if (media && v.srcObject !== media) v.srcObject = media; });
  }

  function say(selector, text) { const el = $(selector); if (el) el.textContent = text; }

  function post(path) {
    return fetch(base + path, { method: "POST", credentials: "same-origin", cache: "no-store",
      referrerPolicy: "no-referrer" });
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function rtcConfig() {
    return { iceServers: config.ice_servers, iceTransportPolicy: config.relay_only ? "relay" : "all" };
  }

  function stopAll() {
    finished = true;
    clearTimeout(checkTimer);
    if (media) media.getTracks().forEach(function (t) { t.stop(); });
    [checkPc, callPc].forEach(function (pc) { if (pc) pc.close(); });
    if (socket) socket.close();
  }

  function quickExit(event) {
    if (event) event.preventDefault();
    send({ type: "hangup" });
    stopAll();
    document.body.innerHTML = "";
    document.title = "";
    history.replaceState(null, "", "/");
    location.replace(body.dataset.exit);
  }

  function refuse(text) {
    stopAll();
    say("[data-refusal]", text);
    show("refused");
  }

  function finish(text) {
    stopAll();
    if (text) say("[data-ended-text]", text);
    show("ended");
  }

  // Joining: the POST consumes the link and binds it to this browser.

  async function join() {
    show("checking");
    say("[data-check-status]", "Connecting…");
    const response = await post("join/");
    const data = await response.json().catch(function () { return {}; });
    if (!response.ok) { refuse(data.refusal || "This link cannot be used."); return; }
    config = data;
    if (!media) media = await cameraAndMicrophone();
    connect();
  }

  async function cameraAndMicrophone() {
    const video = { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } };
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: true, video: video });
    } catch (error) {
      audioOnly = true;
      try { return await navigator.mediaDevices.getUserMedia({ audio: true }); }
      catch (again) { return null; }
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(scheme + "://" + location.host + config.socket);
    socket.onopen = opened;
    socket.onmessage = function (event) { handle(JSON.parse(event.data)); };
    socket.onclose = function (event) {
      if (finished) return;
      if (event.code === 4403 || reconnects > 5) { refuse("This call is no longer available."); return; }
      reconnects += 1;
      setTimeout(join, 1500);
    };
  }

  function opened() {
    reconnects = 0;
    // The hub tells the officer's page this browser is here; it sends a fresh offer.
    if (config.status === "in_call") { show("call"); return; }
    if (config.checked) { waiting(null); return; }
    check();
  }

  function handle(message) {
    const handlers = {
      "check.answer": function () { if (checkPc) checkPc.setRemoteDescription({ type: "answer", sdp: message.sdp }); },
      "check.result": function () { checkDone(message); },
      "offer": function () { answer(message.sdp); },
      "candidate": function () { candidate(message.candidate); },
      "chat": function () { chatLine(message.from, message.text); },
      "peer.joined": function () { if (message.side === "officer") say("[data-call-status]", "Connecting…"); },
      "peer.left": function () { if (message.side === "officer") say("[data-call-status]", "The officer's connection dropped. Please wait…"); },
      "video.ended": function () { finish(""); },
      "video.revoked": function () { refuse("This link is no longer active."); }
    };
    if (handlers[message.type]) handlers[message.type]();
  }

  // The connection check: the hub's own peer measures this connection for a few seconds.

  async function check() {
    show("checking");
    say("[data-check-status]", "Checking your connection… this takes a few seconds.");
    checkPc = new RTCPeerConnection(rtcConfig());
    const channel = checkPc.createDataChannel("check", { ordered: false, maxRetransmits: 0 });
    channel.onmessage = function (event) {
      const message = JSON.parse(event.data);
      if (message.t === "ping") channel.send(JSON.stringify({ t: "pong", n: message.n }));
      if (message.t === "start") probe(channel, message.probe_kbps, message.seconds);
    };
    if (media) media.getVideoTracks().forEach(function (t) { checkPc.addTrack(t, media); });
    await checkPc.setLocalDescription(await checkPc.createOffer());
    await gathered(checkPc, 1500);
    send({ type: "check.offer", sdp: checkPc.localDescription.sdp });
    checkTimer = setTimeout(function () { checkDone(null); }, CHECK_GIVE_UP_MS);
  }

  // A paced stream of numbered messages: the hub counts what arrives, and what is lost.
  function probe(channel, kbps, seconds) {
    const tickMs = 10;
    const size = Math.max(64, Math.round(kbps * 1000 / 8 * tickMs / 1000));
    const pad = "x".repeat(size - 30);
    const stopAt = Date.now() + seconds * 1000 + 300;
    let n = 0;
    const timer = setInterval(function () {
      if (Date.now() > stopAt || channel.readyState !== "open") { clearInterval(timer); return; }
      if (channel.bufferedAmount > 65536) return;
      channel.send(JSON.stringify({ t: "fill", n: n, pad: pad }));
      n += 1;
    }, tickMs);
  }

  function gathered(pc, timeoutMs) {
    return new Promise(function (resolve) {
      if (pc.iceGatheringState === "complete") { resolve(); return; }
      const timer = setTimeout(resolve, timeoutMs);
      pc.addEventListener("icegatheringstatechange", function () {
        if (pc.iceGatheringState === "complete") { clearTimeout(timer); resolve(); }
      });
    });
  }

  function checkDone(result) {
    clearTimeout(checkTimer);
    if (checkPc) { checkPc.close(); checkPc = null; }
    waiting(result);
  }

  function waiting(result) {
    show("waiting");
    const advice = $("[data-advice]");
    const text = result ? result.advice : "";
    advice.hidden = !text;
    say("[data-advice-text]", text || "");
    $("[data-audio-only-choice]").hidden = !result || result.verdict !== "audio_only";
  }

  // The call: the officer's browser offers, this one answers; media flows browser to browser.

  async function answer(sdp) {
    show("call");
    if (callPc) callPc.close();
    queued = [];
    const pc = callPc = new RTCPeerConnection(rtcConfig());
    pc.onicecandidate = function (event) {
      send({ type: "candidate", candidate: event.candidate ? event.candidate.toJSON() : null });
    };
    pc.ontrack = function (event) {
      const video = $("[data-remote]");
      if (video.srcObject !== event.streams[0]) {
        video.srcObject = event.streams[0];
        video.play().catch(function () {});
      }
    };
    pc.onconnectionstatechange = function () {
      const state = pc.connectionState;
      if (state === "connected") say("[data-call-status]", "");
      if (state === "failed" || state === "disconnected") say("[data-call-status]", "The connection dropped. Trying again…");
    };
    await pc.setRemoteDescription({ type: "offer", sdp: sdp });
    videoSender = null;
    if (media) media.getTracks().forEach(function (t) {
      const sender = pc.addTrack(t, media);
      if (t.kind === "video") videoSender = sender;
    });
    if (audioOnly && videoSender) await videoSender.replaceTrack(null);
    await pc.setLocalDescription(await pc.createAnswer());
    send({ type: "answer", sdp: pc.localDescription.sdp });
    queued.splice(0).forEach(candidate);
    if (audioOnly) send({ type: "mode", audio_only: true });
  }

  function candidate(value) {
    if (!callPc || !callPc.remoteDescription) { queued.push(value); return; }
    callPc.addIceCandidate(value || null).catch(function () {});
  }

  function chatLine(from, text) {
    const line = document.createElement("li");
    line.className = from === "victim" ? "mine" : "";
    line.textContent = (from === "victim" ? "You: " : "Officer: ") + text;
    $("[data-chat-lines]").appendChild(line);
    line.scrollIntoView({ block: "nearest" });
  }

  function toggle(button, pressed, onText, offText) {
    button.setAttribute("aria-pressed", String(pressed));
    button.textContent = pressed ? onText : offText;
  }

  function setAudioOnly(on) {
    audioOnly = on;
    const track = media && media.getVideoTracks()[0];
    if (videoSender) videoSender.replaceTrack(on || !track ? null : track).catch(function () {});
    toggle($("[data-audio-only]"), on, "Video back on", "Audio only");
    send({ type: "mode", audio_only: on });
  }

  function controls() {
    all("[data-quick-exit], [data-end]").forEach(function (b) { b.addEventListener("click", quickExit); });
    document.addEventListener("keydown", function (event) { if (event.key === "Escape") quickExit(event); });
    all("[data-join]").forEach(function (b) { b.addEventListener("click", join); });
    $("[data-mute]").addEventListener("click", function (event) {
      const tracks = media ? media.getAudioTracks() : [];
      const muted = tracks.length > 0 && tracks[0].enabled;
      tracks.forEach(function (t) { t.enabled = !muted; });
      toggle(event.currentTarget, muted, "Unmute", "Mute");
    });
    $("[data-camera]").addEventListener("click", function (event) {
      const tracks = media ? media.getVideoTracks() : [];
      const off = tracks.length > 0 && tracks[0].enabled;
      tracks.forEach(function (t) { t.enabled = !off; });
      toggle(event.currentTarget, off, "Camera on", "Camera off");
    });
    $("[data-audio-only]").addEventListener("click", function () { setAudioOnly(!audioOnly); });
    $("[data-audio-only-choice]").addEventListener("click", function (event) {
      setAudioOnly(true);
      event.currentTarget.hidden = true;
    });
    $("[data-recheck]").addEventListener("click", function () { check(); });
    $("[data-callback]").addEventListener("click", function () {
      send({ type: "callback" });
      finish("We'll call you instead, as soon as we can. You can close this page.");
    });
    $("[data-chat-form]").addEventListener("submit", function (event) {
      event.preventDefault();
      const input = event.currentTarget.elements.text;
      if (input.value.trim()) send({ type: "chat", text: input.value.trim() });
      input.value = "";
    });
  }

  controls();
  const state = body.dataset.state;
  if (state === "refused") show("refused");
  else if (state === "returning") join();
  else { show("join"); post("opened/").catch(function () {}); }
})();
