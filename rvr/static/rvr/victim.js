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
  let audioSender = null;
  // A peer connection made ready while she waits (prepare()), taken by the officer's offer.
  let prepared = null;
  let queued = [];
  // How the call is carried: "video", "audio" (only) or "chat" (only), rvr/connection.py.
  let mode = "video";
  let finished = false;
  let reconnects = 0;

  function $(selector) { return document.querySelector(selector); }
  function all(selector) { return Array.from(document.querySelectorAll(selector)); }

  function show(name) {
    body.dataset.screen = name;  // for controls shown on some screens only (victim.css)
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
    [checkPc, callPc, prepared].forEach(function (pc) { if (pc) pc.close(); });
    if (socket) socket.close();
  }

  function quickExit(event) {
    if (event) event.preventDefault();
    leave({ type: "hangup" });
  }

  // Gone at once, to the neutral site, leaving nothing to go back to; `last` (if any) is the
  // hub's last word from this page: "hangup" for the quick exit (later.js sends its own).
  function leave(last) {
    if (last) send(last);
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
      mode = "audio";
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

  // Every socket message is also an event on the document, so a feature's own script
  // (victim_recording.js...) can follow the call without this file knowing it; window.rvr.send
  // lets it speak on the same socket.
  window.rvr = { side: "victim", send: send, leave: leave };
  // The camera and the ICE settings, for a second peer connection (interpreter_peer.js).
  window.rvr.media = function () { return media; };
  window.rvr.rtcConfig = rtcConfig;
  // The call's peer connection, its mode, and what a poor connection is (call_quality.js).
  window.rvr.pc = function () { return callPc; };
  window.rvr.mode = function () { return mode; };
  window.rvr.setMode = setMode;
  window.rvr.thresholds = function () { return config && config.quality; };

  function handle(message) {
    document.dispatchEvent(new CustomEvent("rvr:message", { detail: message }));
    if (message.peer) return;  // another connection's (the interpreter's): its script handles it
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
    say("[data-wait-estimate]", (config && config.wait_words) || "");
    const advice = $("[data-advice]");
    const text = result ? result.advice : "";
    advice.hidden = !text;
    say("[data-advice-text]", text || "");
    $("[data-audio-only-choice]").hidden = !result || result.verdict !== "audio_only";
    prepare();
  }

  // While she waits, her side of the call is made ready (her camera and microphone on a peer
  // connection, its ICE candidates gathered), so the officer's offer is answered at once.
  // The bench's comparison alone asks for the old way (bench/rvr.py).
  function prepare() {
    if (prepared || window.RVR_BENCH_OLD_CONNECT) return;
    prepared = new RTCPeerConnection(Object.assign(rtcConfig(), { iceCandidatePoolSize: 1 }));
    if (media) media.getTracks().forEach(function (t) { prepared.addTrack(t, media); });
  }

  function senderOf(pc, kind) {
    return pc.getSenders().find(function (s) { return s.track && s.track.kind === kind; }) || null;
  }

  // The call: the officer's browser offers, this one answers; media flows browser to browser.

  async function answer(sdp) {
    show("call");
    if (callPc) callPc.close();
    queued = [];
    const ready = prepared;
    prepared = null;
    const pc = callPc = ready || new RTCPeerConnection(rtcConfig());
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
    if (!ready && media) media.getTracks().forEach(function (t) { pc.addTrack(t, media); });
    videoSender = senderOf(pc, "video");
    audioSender = senderOf(pc, "audio");
    if (mode !== "video") await modeApply();
    await pc.setLocalDescription(await pc.createAnswer());
    send({ type: "answer", sdp: pc.localDescription.sdp });
    queued.splice(0).forEach(candidate);
    // Said again on every new connection, so the officer's side matches (logged only once).
    if (mode !== "video") send({ type: "mode", mode: mode, reason: "chosen", kbps: null });
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

  // What she sends in each mode: everything; her voice only; nothing but chat.
  function modeApply() {
    const video = media && media.getVideoTracks()[0];
    const audio = media && media.getAudioTracks()[0];
    toggle($("[data-audio-only]"), mode !== "video", "Video back on", "Audio only");
    $('[data-screen="call"]').dataset.mode = mode;  // chat only: the chat comes first (victim.css)
    return Promise.all([
      videoSender ? videoSender.replaceTrack(mode === "video" && video ? video : null) : null,
      audioSender ? audioSender.replaceTrack(mode !== "chat" && audio ? audio : null) : null
    ]).catch(function () {});
  }

  // `reason`: "chosen" (she pressed), "weak" or "failed" (call_quality.js switched).
  function setMode(next, reason, kbps) {
    mode = next;
    modeApply();
    send({ type: "mode", mode: next, reason: reason || "chosen", kbps: kbps === undefined ? null : kbps });
    document.dispatchEvent(new CustomEvent("rvr:mode", { detail: { mode: next, reason: reason || "chosen" } }));
  }

  function controls() {
    all("[data-quick-exit], [data-end]").forEach(function (b) { b.addEventListener("click", quickExit); });
    document.addEventListener("keydown", function (event) { if (event.key === "Escape") quickExit(event); });
    all("[data-join]").forEach(function (b) { b.addEventListener("click", join); });
    window.rvrMediaButtons(function () { return media; });
    $("[data-audio-only]").addEventListener("click", function () { setMode(mode === "video" ? "audio" : "video"); });
    $("[data-audio-only-choice]").addEventListener("click", function (event) {
      setMode("audio");
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
