// A poor connection degrades, not drops (rvr/connection.py). On both pages: measure what this
// browser actually receives (getStats: inbound-rtp bytes and packets, each second) and tell the
// other side. The victim's page leads: when video stays weak it offers audio only, takes it
// after a short grace if video is still weak, and goes to text chat if audio fails as well. The
// officer's page says what is happening at each step. The thresholds come from the hub (the
// call config's "quality"); the page's own script gives window.rvr (pc, mode, setMode, send).
(function () {
  "use strict";
  const SAMPLE_MS = 1000;
  const RANK = { good: 0, weak: 1, failing: 2 };
  let pc = null;            // the connection measured
  let last = null;          // its previous totals
  let connectedAt = 0;
  let seen = { video: false, audio: false };  // judged only once it has arrived at all
  let weakSince = 0;
  let failingSince = 0;
  let mine = { level: "good", kbps: null };   // what this page receives, held for long enough
  let theirs = { level: "good", kbps: null, camera: true };
  let myCamera = true;
  let offeredAt = 0;        // the victim's page: when audio only was offered
  let kept = false;         // she chose to keep video while it is only weak
  let toldWeak = false;     // the officer's page: told the connection is weak
  let busy = false;

  function hub() { return window.rvr || {}; }
  function thresholds() { return hub().thresholds ? hub().thresholds() : null; }
  function mode() { return hub().mode ? hub().mode() : "video"; }
  function victim() { return hub().side === "victim"; }
  function $(selector) { return document.querySelector(selector); }
  function kbpsOf(bytes, seconds) { return seconds > 0 ? Math.max(0, Math.round(bytes * 8 / seconds / 100) / 10) : 0; }

  function report() {
    if (hub().send) hub().send({ type: "quality", level: mine.level, kbps: mine.kbps, camera: myCamera });
  }

  // A new connection or a new mode: judge afresh, on both sides alike.
  function restart() {
    last = null;
    weakSince = failingSince = 0;
    mine = { level: "good", kbps: null };
    theirs.level = "good";
    theirs.kbps = null;
    kept = false;
    toldWeak = false;
    offerHide();
  }

  async function totals(connection) {
    const out = { at: performance.now(), video: 0, audio: 0, packets: 0, lost: 0 };
    (await connection.getStats()).forEach(function (r) {
      if (r.type !== "inbound-rtp") return;
      if (r.kind === "video") out.video += r.bytesReceived || 0;
      if (r.kind === "audio") {
        out.audio += (r.bytesReceived || 0) + (r.headerBytesReceived || 0);
        out.packets += r.packetsReceived || 0;
        out.lost += Math.max(0, r.packetsLost || 0);
      }
    });
    return out;
  }

  async function sample() {
    const limits = thresholds();
    const current = hub().pc ? hub().pc() : null;
    if (!limits || !current || current.connectionState === "closed") return;
    if (current !== pc) {
      pc = current;
      connectedAt = 0;
      seen = { video: false, audio: false };
      restart();
    }
    if (!connectedAt && pc.connectionState === "connected") connectedAt = Date.now();
    if (!connectedAt) return;
    const now = await totals(pc);
    seen.video = seen.video || now.video > 0;
    seen.audio = seen.audio || now.audio > 0;
    const before = last;
    last = now;
    if (!before || Date.now() - connectedAt < limits.warmup_seconds * 1000) return;
    const seconds = (now.at - before.at) / 1000;
    const packets = now.packets - before.packets;
    const lost = now.lost - before.lost;
    settle(judge(limits, {
      video: kbpsOf(now.video - before.video, seconds),
      audio: kbpsOf(now.audio - before.audio, seconds),
      lossPct: packets + lost > 0 ? 100 * lost / (packets + lost) : 0
    }), limits);
  }

  // This second: failing (audio is not getting through), weak (video is not), or good.
  function judge(limits, rate) {
    const ice = pc.iceConnectionState;
    const current = mode();
    if (ice === "disconnected" || ice === "failed") return { level: "failing", kbps: 0 };
    if (current !== "chat" && seen.audio && (rate.audio < limits.failing_audio_kbps || rate.lossPct > limits.failing_loss_pct)) {
      return { level: "failing", kbps: rate.audio };
    }
    if (current === "video" && seen.video && theirs.camera && rate.video < limits.weak_video_kbps) {
      return { level: "weak", kbps: rate.video };
    }
    return { level: "good", kbps: current === "video" ? rate.video : rate.audio };
  }

  function settle(now, limits) {
    const at = Date.now();
    failingSince = now.level === "failing" ? (failingSince || at) : 0;
    weakSince = now.level !== "good" ? (weakSince || at) : 0;
    let level = "good";
    if (weakSince && at - weakSince >= limits.weak_seconds * 1000) level = "weak";
    if (failingSince && at - failingSince >= limits.failing_seconds * 1000) level = "failing";
    const changed = level !== mine.level;
    mine = { level: level, kbps: now.kbps };
    if (changed) report();
    decide();
  }

  function worst() { return RANK[theirs.level] > RANK[mine.level] ? theirs : mine; }

  function decide() {
    const limits = thresholds();
    if (!limits) return;
    if (victim()) lead(worst(), limits); else tellLevel(worst());
  }

  // The victim's page: offer, then take, audio only; chat when audio fails too.
  function lead(state, limits) {
    const current = mode();
    if (current === "audio" && state.level === "failing") { hub().setMode("chat", "failed", state.kbps); return; }
    if (current !== "video") return;
    if (state.level === "good") { offerHide(); kept = false; return; }
    if (kept && state.level === "weak") return;
    if (!offeredAt) { offerShow(); return; }
    if (Date.now() - offeredAt >= limits.audio_only_grace_seconds * 1000) hub().setMode("audio", "weak", state.kbps);
  }

  function offerShow() {
    offeredAt = Date.now();
    const box = $("[data-weak]");
    if (box) box.hidden = false;
  }

  function offerHide() {
    offeredAt = 0;
    const box = $("[data-weak]");
    if (box) box.hidden = true;
  }

  function chatForeground(on) {
    const note = $("[data-chat-only]");
    if (note) note.hidden = !on;
    const input = $("[data-chat-form] input[name=text]");
    if (on && input) { input.scrollIntoView({ block: "center" }); input.focus(); }
  }

  // The officer's page: told at each step.
  function tell(text) {
    const notice = document.getElementById("call-quality");
    if (!notice) return;
    notice.textContent = text;
    notice.hidden = !text;
  }

  function tellLevel(state) {
    if (mode() !== "video") return;
    if (state.level !== "good" && !toldWeak) {
      toldWeak = true;
      tell("The connection is weak: the victim is being offered audio only.");
    }
    if (state.level === "good" && toldWeak) { toldWeak = false; tell(""); }
  }

  const SWITCHED = {
    "audio weak": "The connection stayed weak: the call is now audio only.",
    "audio chosen": "The victim chose audio only.",
    "chat failed": "Audio failed too: the call is now text chat only. Type to the victim.",
    "chat chosen": "The call is now text chat only. Type to the victim.",
    "video weak": "The victim's video is back on.",
    "video chosen": "The victim's video is back on."
  };

  function modeChanged(next, reason) {
    restart();
    if (victim()) chatForeground(next === "chat");
    else tell(SWITCHED[next + " " + reason] || SWITCHED[next + " chosen"] || "");
  }

  document.addEventListener("rvr:message", function (event) {
    const message = event.detail || {};
    if (message.peer || message.side === hub().side) return;
    if (message.type === "quality") {
      theirs = { level: message.level, kbps: message.kbps, camera: message.camera };
      decide();
    }
    if (message.type === "mode" && !victim()) modeChanged(message.mode, message.reason);
    if (message.type === "peer.joined") report();
  });

  // The victim's own switch (victim.js: her buttons, or lead() above).
  document.addEventListener("rvr:mode", function (event) { modeChanged(event.detail.mode, event.detail.reason); });

  // Black from a camera turned off is not a weak connection: the other side is told.
  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("[data-camera], #camera");
    if (!button) return;
    myCamera = button.getAttribute("aria-pressed") !== "true";
    report();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-weak-audio]")) hub().setMode("audio", "chosen");
    if (event.target.closest && event.target.closest("[data-weak-keep]")) { kept = true; offerHide(); }
  });

  setInterval(function () {
    if (busy) return;
    busy = true;
    sample().catch(function () {}).finally(function () { busy = false; });
  }, SAMPLE_MS);
})();
