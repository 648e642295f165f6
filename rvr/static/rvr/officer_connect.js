// The officer's peer connection, and a faster connect. On the console, while a victim waits, the
// officer's camera and microphone and a peer connection (its offer made, its ICE candidates
// gathered) are made ready before they press Accept. Accept sends that offer with it (the hub
// passes it to her once the call is theirs) and takes the call without leaving the page: the
// call's stage (her video, their camera) is shown at once, and once her video plays the call
// page is fetched and put in place, its officer.js taking what was made ready. Nothing waiting,
// the camera is let go. The call page opened any other way (a reload, "return to it") builds
// its own. Loaded on the console and on the call page, before officer.js.
(function () {
  "use strict";
  let prepared = null;  // { media, pc, at }
  let preparing = null; // the promise of it

  function camera() {
    return navigator.mediaDevices.getUserMedia({ audio: true, video: { width: { ideal: 640 }, height: { ideal: 480 } } });
  }

  // H.264 first where both ends have it (older iOS Safari has nothing else), then VP8.
  function preferCodecs(transceiver) {
    if (!transceiver.setCodecPreferences || !window.RTCRtpReceiver.getCapabilities) return;
    const codecs = RTCRtpReceiver.getCapabilities("video").codecs;
    const rank = function (c) {
      if (c.mimeType === "video/H264" && /packetization-mode=1/.test(c.sdpFmtpLine || "")) return 0;
      if (c.mimeType === "video/VP8") return 1;
      return 2;
    };
    transceiver.setCodecPreferences(codecs.slice().sort(function (a, b) { return rank(a) - rank(b); }));
  }

  // The officer's end of a call: their tracks on it, or (no camera) receiving only.
  function peer(rtc, media) {
    const pc = new RTCPeerConnection(rtc);
    if (media) {
      media.getTracks().forEach(function (t) {
        const sender = pc.addTrack(t, media);
        if (t.kind === "video") preferCodecs(pc.getTransceivers().find(function (x) { return x.sender === sender; }));
      });
    } else {
      pc.addTransceiver("audio", { direction: "recvonly" });
      pc.addTransceiver("video", { direction: "recvonly" });
    }
    return pc;
  }

  // What was made ready, once: the call page's officer.js takes it.
  function take() {
    const made = prepared;
    prepared = null;
    return made;
  }

  window.rvrConnect = { camera: camera, peer: peer, take: take };

  const waiting = document.getElementById("waiting");
  // The bench's comparison alone asks for the old way (bench/rvr.py).
  if (!waiting || !waiting.dataset.connectUrl || window.RVR_BENCH_OLD_CONNECT) return;

  const ACCEPT = 'form[action$="/accept/"]';

  function gathered(pc, timeoutMs) {
    return new Promise(function (resolve) {
      if (pc.iceGatheringState === "complete") { resolve(); return; }
      const timer = setTimeout(resolve, timeoutMs);
      pc.addEventListener("icegatheringstatechange", function () {
        if (pc.iceGatheringState === "complete") { clearTimeout(timer); resolve(); }
      });
    });
  }

  async function prepare() {
    const response = await fetch(waiting.dataset.connectUrl, { credentials: "same-origin", cache: "no-store", headers: { "X-Hub-Background": "1" } });
    if (!response.ok) throw new Error("no connection settings");
    const settings = await response.json();
    const media = await camera().catch(function () { return null; });
    const pc = peer({ iceServers: settings.ice_servers, iceTransportPolicy: settings.relay_only ? "relay" : "all" }, media);
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc, 3000);
    return { media: media, pc: pc, at: Date.now(), renewMs: settings.renew_seconds * 1000 };
  }

  function release() {
    if (prepared) {
      prepared.pc.close();
      if (prepared.media) prepared.media.getTracks().forEach(function (t) { t.stop(); });
    }
    prepared = null;
  }

  // Ready while someone waits (and fresh: TURN credentials expire); let go when nobody does.
  function follow() {
    const anyone = waiting.querySelector(ACCEPT) !== null;
    if (!anyone) { if (!preparing) release(); waiting.dataset.prepared = "no"; return; }
    const stale = prepared && Date.now() - prepared.at > prepared.renewMs;
    if (stale) release();
    if (prepared || preparing) return;
    preparing = prepare().then(function (made) {
      prepared = made;
      waiting.dataset.prepared = "yes";
      follow();  // nobody may be waiting any more
    }, function () { prepared = null; }).finally(function () { preparing = null; });
  }

  function notice(text) {
    let p = document.getElementById("accept-refused");
    if (!p) {
      p = document.createElement("p");
      p.id = "accept-refused";
      p.className = "notice error";
      p.setAttribute("role", "alert");
      waiting.before(p);
    }
    p.textContent = text;
  }

  let callUrl = null;  // once accepted: where the call is, whatever else fails

  async function accept(form) {
    if (preparing) await preparing;
    if (!prepared) { form.submit(); return; }
    // The list changing now (this victim leaving it) must not let the connection go.
    observer.disconnect();
    const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    // The offer (its candidates in it) goes with Accept: the hub sends it to her as soon as
    // the call is this officer's, while this page's socket opens.
    const body = new FormData(form);
    body.append("offer", prepared.pc.localDescription.sdp);
    const response = await fetch(form.dataset.prepared, { method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": token } });
    const data = await response.json().catch(function () { return {}; });
    if (data.error || !data.call) {
      observer.observe(waiting, { childList: true, subtree: true });
      if (data.error) notice(data.error); else form.submit();  // a reason to ask first
      return;
    }
    callUrl = data.call;
    const made = prepared;
    callStart(made, data.socket, data.offered === true);
    stageShow(data.call, made);
    // The rest of the call page can wait for her video: until then the hub and this page
    // are free for the connection.
    await firstFrame(document.getElementById("remote-video"), 2000);
    const page = await fetch(data.call, { credentials: "same-origin" });
    if (!page.ok) { location.assign(data.call); return; }
    callShow(data.call, await page.text(), made);
  }

  // At once, in place of the console: the call's address, and its stage (the victim's video,
  // playing what her side sends from its first frame, and the officer's own camera).
  function stageShow(url, made) {
    history.pushState(null, "", url);
    window.addEventListener("popstate", function () { location.reload(); });
    document.querySelector("main").replaceChildren(document.getElementById("call-stage").content.cloneNode(true));
    const local = document.getElementById("local-video");
    if (made.media) local.srcObject = made.media;
    remoteShow(made);
  }

  // Her first frame on screen ("playing" where frames cannot be watched), or the timeout.
  function firstFrame(video, timeoutMs) {
    return new Promise(function (resolve) {
      setTimeout(resolve, timeoutMs);
      if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(function () { resolve(); });
      else video.addEventListener("playing", function () { resolve(); }, { once: true });
    });
  }

  // The call starts at once: the socket opens (the offer goes out on it unless it went with
  // Accept), the answer and candidates are applied here. Everything else waits for the call
  // page's scripts (officer.js attaches; the others load), then reaches them in order.
  function callStart(made, path, offered) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    // "offered": her answer to the offer that went with Accept is for this socket (rvr/consumers.py).
    const socket = made.socket = new WebSocket(scheme + "://" + location.host + path + (offered ? "?offered=1" : ""));
    const early = [];
    const candidates = [];
    let handler = null;
    // Her tracks are this connection's receivers' from the start: on screen before they play.
    made.remote = new MediaStream(made.pc.getReceivers().map(function (r) { return r.track; }));
    made.pc.ontrack = function (event) {
      if (!made.remote.getTrackById(event.track.id)) made.remote.addTrack(event.track);
    };
    function candidate(value) {
      if (!made.pc.remoteDescription) { candidates.push(value); return; }
      made.pc.addIceCandidate(value || null).catch(function () {});
    }
    socket.onopen = function () {
      if (!offered) socket.send(JSON.stringify({ type: "offer", sdp: made.pc.localDescription.sdp }));
    };
    socket.onmessage = function (event) {
      const message = JSON.parse(event.data);
      early.push(message);
      if (message.peer) return;
      if (message.type === "answer") {
        made.pc.setRemoteDescription({ type: "answer", sdp: message.sdp }).then(function () {
          candidates.splice(0).forEach(candidate);
        }).catch(function () {});
      }
      if (message.type === "candidate") candidate(message.candidate);
    };
    function flush() {
      if (!handler || !made.scriptsLoaded) return;
      // Replayed as the page's own: answer and candidates are marked as already applied.
      early.splice(0).forEach(function (message) {
        if (applied(message)) document.dispatchEvent(new CustomEvent("rvr:message", { detail: message }));
        else handler(message);
      });
      socket.onmessage = function (event) { handler(JSON.parse(event.data)); };
    }
    made.attach = function (fn) { handler = fn; flush(); };
    made.loaded = function () { made.scriptsLoaded = true; flush(); };
  }

  // The victim on screen as soon as her video comes, before the call page's own scripts run.
  // Her video element is the one playing from the start: the call page's is replaced by it.
  function remoteShow(made) {
    const video = document.getElementById("remote-video");
    if (!video || !made.remote || video.srcObject === made.remote) return;
    video.srcObject = made.remote;
    video.play().catch(function () {});
  }

  function applied(message) { return !message.peer && (message.type === "answer" || message.type === "candidate"); }

  // The call page in place of its stage, as if navigated to: its content (the stage's videos,
  // still playing, in place of its own), title, and the scripts this page has not run (in
  // order); Back reloads the console.
  function callShow(url, html, made) {
    const doc = new DOMParser().parseFromString(html, "text/html");
    const main = doc.querySelector("main");
    if (!main) { location.assign(url); return; }
    document.title = doc.title;
    const videos = ["remote-video", "local-video"].map(function (id) { return document.getElementById(id); });
    // Its controls work once its scripts have run: until then they cannot be pressed.
    main.inert = true;
    document.querySelector("main").replaceWith(document.adoptNode(main));
    // Moved within this task, so they never pause.
    videos.forEach(function (video) {
      const own = main.querySelector("#" + video.id);
      if (own) own.replaceWith(video);
    });
    remoteShow(made);
    const have = new Set(Array.from(document.scripts).map(function (s) { return s.src; }));
    let lastScript = null;
    doc.querySelectorAll("script[src]").forEach(function (old) {
      const src = new URL(old.getAttribute("src"), location.href).href;
      if (have.has(src)) return;
      const script = lastScript = document.createElement("script");
      script.src = src;
      script.async = false;
      document.body.appendChild(script);
    });
    function loaded() { main.inert = false; made.loaded(); }
    if (!lastScript) { loaded(); return; }
    lastScript.addEventListener("load", loaded);
    lastScript.addEventListener("error", loaded);
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.matches || !form.matches("#waiting " + ACCEPT)) return;
    event.preventDefault();
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    accept(form).catch(function () { if (callUrl) location.assign(callUrl); else form.submit(); });
  });

  const observer = new MutationObserver(follow);
  observer.observe(waiting, { childList: true, subtree: true });
  window.addEventListener("pagehide", release);
  follow();
})();
