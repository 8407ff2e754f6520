#!/usr/bin/env node
// Stops a Jupyter server when the process that started it is gone (`course start` starts this).
//   node lib/bin/jupyter-guard.js <jupyter pid> <watched pid>[,<watched pid>...]
// A killed `npm start` (even with SIGKILL, which nothing can catch) leaves its children running,
// re-parented to PID 1; this small process, started detached, checks once a second that every
// watched process (the launcher, and npm above it) is alive. When one is gone it asks Jupyter to
// shut down (SIGTERM: Jupyter stops its kernels), then forces it after 10 s. It exits as soon as
// Jupyter has exited. Plain JavaScript with Node built-ins only: it must start fast and never fail.
"use strict";
const { spawnSync } = require("child_process");

const target = Number(process.argv[2]);
const watched = String(process.argv[3] || "").split(",").map(Number).filter((n) => Number.isInteger(n) && n > 0);
if (!Number.isInteger(target) || target <= 0 || !watched.length) {
  console.error("usage: node lib/bin/jupyter-guard.js <jupyter pid> <watched pid>[,<watched pid>...]");
  process.exit(2);
}
for (const sig of ["SIGINT", "SIGHUP"]) process.on(sig, () => undefined); // Ctrl+C is for Jupyter, not for us

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
}

function stop(force) {
  if (process.platform === "win32") {
    // taskkill /T takes the kernels (child processes) with it.
    spawnSync("taskkill", ["/PID", String(target), "/T", ...(force ? ["/F"] : [])], { stdio: "ignore", windowsHide: true });
    return;
  }
  try {
    process.kill(target, force ? "SIGKILL" : "SIGTERM");
  } catch {
    /* already gone */
  }
}

let stoppingSince = 0;
const timer = setInterval(() => {
  if (!alive(target)) {
    clearInterval(timer);
    process.exit(0);
  }
  if (!stoppingSince && watched.some((p) => !alive(p))) {
    stoppingSince = Date.now();
    stop(false);
  } else if (stoppingSince && Date.now() - stoppingSince > 10_000) {
    stop(true);
  }
}, 1000);
