/**
 * The OS sandbox itself, without the preload's second layer: plain `node -e` programs run
 * in the same bubblewrap command line the grader builds, and try to get out — UDP and DNS to
 * a listener on the host, files outside, process.report, the rlimits, outliving their parent.
 * And what happens without bubblewrap: `--require-isolation` refuses, `course grade` warns.
 */
import { after, before, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "child_process";
import * as dgram from "dgram";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_LIMITS, Isolation, SandboxLimits, detectIsolation, kernelCourse, pidsCgroupBase, prepareDirs, removePidsCgroup, wrapCommand } from "../../grading/src/isolation";
import { COURSE, ROOT } from "../fixtures/grading/submissions";

const iso = detectIsolation();
const skip = iso.kind !== "bwrap" && `no OS sandbox here: ${iso.reason}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "grading-sandbox-"));
const datagrams: string[] = [];
const udp = dgram.createSocket("udp4");
let port = 0;
const hostIps = () => ["127.0.0.1", ...Object.values(os.networkInterfaces()).flat().filter((i) => i && i.family === "IPv4" && !i.internal).map((i) => i!.address)];

before(async () => {
  await new Promise<void>((r) => udp.bind(0, "0.0.0.0", () => r()));
  port = (udp.address() as { port: number }).port;
  udp.on("message", (m) => datagrams.push(m.toString()));
});
after(() => {
  udp.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A sandbox root where the grader makes them (the system temp folder: its uid must reach it). */
const roots: string[] = [];
function sandboxRoot(): string {
  const r = fs.mkdtempSync(path.join(os.tmpdir(), "course-grade-test-"));
  roots.push(r);
  return r;
}
after(() => {
  for (const r of roots) {
    removePidsCgroup(r);
    fs.rmSync(r, { recursive: true, force: true });
  }
});

/** Runs `node -e code` in the sandbox (no preload, no permission model): its stdout, status, signal. */
function sandboxed(code: string, limits: Partial<SandboxLimits> = {}, env: NodeJS.ProcessEnv = {}, isolation: Isolation = iso) {
  const root = sandboxRoot();
  const dirs = prepareDirs(root, isolation);
  const cmd = wrapCommand(isolation, dirs, { cpuSec: 60, memoryMB: 512, ...DEFAULT_LIMITS, ...limits }, [])(process.execPath, ["-e", code]);
  return spawnSync(cmd.command, cmd.args, { cwd: root, encoding: "utf8", timeout: 120_000, env: { PATH: process.env.PATH, ...env } });
}

const UDP_AND_DNS = (p: number, hosts: string[]) => `
const dgram = require("dgram"), dns = require("dns");
const hosts = ${JSON.stringify(hosts)};
const out = [];
for (const h of hosts) {
  const s = dgram.createSocket("udp4");
  s.on("error", (e) => out.push("udp " + h + " " + e.code));
  s.send("leak", ${p}, h, (e) => { out.push("udp " + h + " " + (e ? e.code : "sent")); s.close(); });
}
try { dns.setServers(hosts.map((h) => h + ":${p}")); } catch (e) { out.push("setServers " + e.code); }
dns.resolve4("leak.example", (e) => out.push("resolve " + (e && e.code)));
dns.lookup("leak.example", (e) => out.push("lookup " + (e && e.code)));
setTimeout(() => { console.log(out.join("; ")); process.exit(0); }, 2000);`;

test("control: the same program outside the sandbox does reach the host listener", async () => {
  const r = spawnSync(process.execPath, ["-e", UDP_AND_DNS(port, ["127.0.0.1"])], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const end = Date.now() + 5000;
  while (!datagrams.length && Date.now() < end) await new Promise((res) => setTimeout(res, 100));
  assert.ok(datagrams.length > 0, "the listener works");
  datagrams.length = 0;
});

test("no datagram leaves the sandbox: UDP, dns.setServers + resolve, lookup", { skip }, async () => {
  const r = sandboxed(UDP_AND_DNS(port, hostIps()));
  assert.equal(r.status, 0, r.stderr);
  await new Promise((res) => setTimeout(res, 1500));
  assert.deepEqual(datagrams, [], `datagrams arrived: ${datagrams.join(", ")} (sandbox said: ${r.stdout})`);
  assert.doesNotMatch(r.stdout, /udp (?!127\.0\.0\.1)\S+ sent/, "no route to the host's addresses");
});

test("files: the course is read-only, solutions and the grader's folders are not there, /tmp is private", { skip }, () => {
  const outside = path.join(tmp, "grader-out");
  fs.mkdirSync(outside);
  // The course as the sandbox sees it: the clone itself, or the readable view of it that stands
  // for a clone uid 65534 cannot reach (a mode-700 folder); the clone is then not there at all.
  const seen = kernelCourse().root;
  const probe = `
const fs = require("fs"), out = [];
const t = (what, f) => { try { f(); out.push(what + " ok"); } catch (e) { out.push(what + " " + e.code); } };
t("read lib", () => fs.readFileSync(${JSON.stringify(path.join(seen, "lib", "index.ts"))}));
t("write lib", () => fs.writeFileSync(${JSON.stringify(path.join(seen, "lib", "pwned.ts"))}, "x"));
t("write clone", () => fs.writeFileSync(${JSON.stringify(path.join(ROOT, "lib", "pwned.ts"))}, "x"));
t("read solutions", () => fs.readdirSync(${JSON.stringify(path.join(ROOT, "solutions"))}));
t("write outside", () => fs.writeFileSync(${JSON.stringify(path.join(outside, "gradebook.csv"))}, "x"));
t("report outside", () => process.report.writeReport(${JSON.stringify(path.join(outside, "report.json"))}));
t("report repo", () => process.report.writeReport(${JSON.stringify(path.join(ROOT, "pwned-report.json"))}));
t("write tmp", () => fs.writeFileSync("/tmp/work/mine.txt", "x"));
t("read home", () => fs.readdirSync(${JSON.stringify(os.homedir())}));
console.log(out.join("; "));`;
  const r = sandboxed(probe);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /read lib ok/);
  assert.match(r.stdout, /write lib EROFS/);
  assert.match(r.stdout, /write clone (EROFS|ENOENT)/);
  assert.match(r.stdout, /read solutions ENOENT/);
  assert.match(r.stdout, /write outside ENOENT/);
  assert.match(r.stdout, /write tmp ok/);
  // process.report.writeReport does not throw when it cannot write: what counts is that nothing appeared.
  assert.deepEqual(fs.readdirSync(outside), []);
  assert.ok(!fs.existsSync(path.join(ROOT, "lib", "pwned.ts")) && !fs.existsSync(path.join(seen, "lib", "pwned.ts")) && !fs.existsSync(path.join(ROOT, "pwned-report.json")));
});

test("rlimits: processes, file size and CPU time are capped", { skip }, () => {
  const fork = sandboxed(
    `const cp = require("child_process"); let ok = 0, failed = 0; const kids = [];
     for (let i = 0; i < 120; i++) { try { const k = cp.spawn("/bin/sleep", ["5"]); k.on("error", () => failed++); k.on("spawn", () => ok++); kids.push(k); } catch (e) { failed++; } }
     setTimeout(() => { console.log(ok + " " + failed); for (const k of kids) try { k.kill(); } catch {} process.exit(0); }, 2000);`,
    { processes: 40 }
  );
  const [ok, failed] = fork.stdout.trim().split(" ").map(Number);
  assert.ok(ok < 40 && failed > 0, `the process limit holds: ${fork.stdout} ${fork.stderr.slice(0, 300)}`);
  const big = sandboxed(`try { require("fs").writeFileSync("/tmp/work/big", Buffer.alloc(3 * 1024 * 1024)); console.log("wrote"); } catch (e) { console.log(e.code); }`, { fileMB: 1 });
  assert.match(big.stdout, /EFBIG/);
  const cpu = sandboxed("for (;;) {}", { cpuSec: 2 });
  assert.ok(cpu.signal === "SIGKILL" || cpu.signal === "SIGXCPU" || cpu.status === 152 || cpu.status === 137 || (cpu.status ?? 0) > 128, `the CPU limit stops a busy loop (status ${cpu.status}, signal ${cpu.signal})`);
});

test("the process limit holds when the sandbox's user stays root (a course uid 65534 cannot read: a clone in a mode-700 folder)", { skip: skip || (process.getuid?.() !== 0 && "not root") || (!pidsCgroupBase() && "no writable pids cgroup here") }, () => {
  // detectIsolation drops setpriv when uid 65534 cannot read the course: the same sandbox, as root.
  const asRoot: Isolation = { ...iso, setpriv: undefined };
  const fork = sandboxed(
    `const cp = require("child_process"); let ok = 0, failed = 0; const kids = [];
     for (let i = 0; i < 120; i++) { try { const k = cp.spawn("/bin/sleep", ["5"]); k.on("error", () => failed++); k.on("spawn", () => ok++); kids.push(k); } catch (e) { failed++; } }
     setTimeout(() => { console.log(ok + " " + failed + " " + process.getuid()); for (const k of kids) try { k.kill(); } catch {} process.exit(0); }, 2000);`,
    { processes: 40 },
    {},
    asRoot
  );
  const [ok, failed] = fork.stdout.trim().split(" ").map(Number);
  assert.ok(ok < 40 && failed > 0, `the pids cgroup holds: ${fork.stdout} ${fork.stderr.slice(0, 300)}`);
});

test("a sandbox dies with its parent: nothing outlives a killed grader", { skip }, async () => {
  const marker = `COURSE_TEST_MARKER_${process.pid}`;
  const root = sandboxRoot();
  const dirs = prepareDirs(root, iso);
  const cmd = wrapCommand(iso, dirs, { cpuSec: 600, memoryMB: 256, ...DEFAULT_LIMITS }, [])(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
  // A parent that starts the sandbox and is then killed with SIGKILL (no cleanup runs).
  const parent = spawn(process.execPath, ["-e", `const c = require("child_process").spawn(${JSON.stringify(cmd.command)}, ${JSON.stringify(cmd.args)}, { stdio: "ignore", env: { PATH: process.env.PATH, ${marker}: "1" } }); setInterval(() => {}, 1000);`], { stdio: "ignore" });
  const mine = () =>
    fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d)).filter((d) => {
      try {
        return fs.readFileSync(`/proc/${d}/environ`, "utf8").includes(`${marker}=1`);
      } catch {
        return false;
      }
    });
  const until = async (f: () => boolean, ms: number) => {
    const end = Date.now() + ms;
    while (!f() && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
  };
  await until(() => mine().length >= 2, 60_000);
  if (mine().length < 2) parent.kill("SIGKILL");
  assert.ok(mine().length >= 2, "the sandboxed process started");
  parent.kill("SIGKILL");
  await until(() => mine().length === 0, 20_000);
  assert.deepEqual(mine(), [], "--die-with-parent and the PID namespace took everything with it");
});

test("without bubblewrap: --require-isolation refuses to grade; otherwise course grade warns loudly", { timeout: 120_000 }, () => {
  const subs = fs.mkdtempSync(path.join(tmp, "subs-"));
  fs.writeFileSync(path.join(subs, "a.ipynb"), fs.readFileSync(path.join(ROOT, "exercises", "cosine-similarity.ipynb")));
  const env = { ...process.env, COURSE_GRADE_ISOLATION: "none" };
  const refuse = spawnSync(process.execPath, [COURSE, "grade", "--assignment", "cosine-similarity", "--submissions", subs, "--out", path.join(tmp, "o1"), "--require-isolation"], { cwd: ROOT, encoding: "utf8", env, timeout: 60_000 });
  assert.equal(refuse.status, 1, refuse.stdout + refuse.stderr);
  assert.match(refuse.stderr, /--require-isolation: no OS sandbox here \(COURSE_GRADE_ISOLATION=none is set\); nothing was graded/);
  assert.ok(!fs.existsSync(path.join(tmp, "o1", "gradebook.csv")));
  const { chooseConfinement } = require("../../grading/src/grade") as typeof import("../../grading/src/grade");
  const saved = process.env.COURSE_GRADE_ISOLATION;
  process.env.COURSE_GRADE_ISOLATION = "none";
  try {
    const c = chooseConfinement({ sandbox: true });
    assert.equal(c.confinement, "permission");
    assert.match(c.warnings.join("\n"), /NO OS SANDBOX.*\n.*UNCONFINED by the operating system.*\n.*--require-isolation/);
  } finally {
    if (saved === undefined) delete process.env.COURSE_GRADE_ISOLATION;
    else process.env.COURSE_GRADE_ISOLATION = saved;
  }
});
