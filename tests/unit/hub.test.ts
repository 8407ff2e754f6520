/**
 * Hub download + cache, exercised against a local HTTP server that answers like the Hugging Face
 * Hub (file list API, HEAD with X-Repo-Commit / X-Linked-Etag / X-Linked-Size, LFS redirects to a
 * "CDN" that honours Range). No network: everything is on 127.0.0.1.
 */
import { test, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { AddressInfo } from "net";
import { initBackend, tf } from "../../lib/env";
import { downloadModel, NotCachedError, repoFolderName, resolveModel, DownloadProgress } from "../../lib/hub";
import { fromPretrained } from "../../lib/models/bert";

const FIXTURE = path.join(__dirname, "..", "fixtures", "tiny-bert-hf");
const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const LFS = new Set(["model.safetensors"]);

interface FakeRepo {
  files: Map<string, Buffer>;
}
const repos = new Map<string, FakeRepo>();
const requests: { method: string; url: string; range?: string }[] = [];
let corrupt = false;
let server: http.Server;
let endpoint = "";
let cache = "";

const sha256 = (b: Buffer) => crypto.createHash("sha256").update(b).digest("hex");
const gitSha1 = (b: Buffer) => crypto.createHash("sha1").update(`blob ${b.length}\0`).update(b).digest("hex");

function handle(req: http.IncomingMessage, res: http.ServerResponse) {
  const url = decodeURIComponent(req.url ?? "");
  requests.push({ method: req.method ?? "", url, range: req.headers.range });
  let m = url.match(/^\/api\/models\/(.+?)\/revision\/([^/]+)$/);
  if (m) {
    const repo = repos.get(m[1]);
    if (!repo) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/json" });
    return void res.end(JSON.stringify({ id: m[1], sha: COMMIT, siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })) }));
  }
  m = url.match(/^\/cdn\/([0-9a-f]{64})$/);
  if (m) {
    const body = [...repos.values()].flatMap((r) => [...r.files.values()]).find((b) => sha256(b) === m![1]);
    if (!body) return void res.writeHead(404).end();
    const served = corrupt ? Buffer.from(body.map((x) => x ^ 1)) : body;
    const range = req.headers.range?.match(/^bytes=(\d+)-$/);
    if (range) {
      const start = Number(range[1]);
      if (start >= body.length) return void res.writeHead(416).end();
      res.writeHead(206, { "content-length": body.length - start, "content-range": `bytes ${start}-${body.length - 1}/${body.length}` });
      return void res.end(served.subarray(start));
    }
    res.writeHead(200, { "content-length": body.length });
    return void res.end(served);
  }
  m = url.match(/^\/(.+?)\/resolve\/([^/]+)\/(.+)$/);
  if (m) {
    const repo = repos.get(m[1]);
    const body = repo?.files.get(m[3]);
    if (!body) return void res.writeHead(404, { "x-error-code": "EntryNotFound" }).end();
    if (LFS.has(m[3])) {
      res.writeHead(302, { location: `/cdn/${sha256(body)}`, "x-repo-commit": COMMIT, "x-linked-etag": `"${sha256(body)}"`, "x-linked-size": String(body.length), etag: `"${gitSha1(body)}"` });
      return void res.end();
    }
    res.writeHead(200, { "x-repo-commit": COMMIT, etag: `"${gitSha1(body)}"`, "content-length": body.length });
    return void res.end(req.method === "HEAD" ? undefined : body);
  }
  res.writeHead(404).end();
}

before(async () => {
  await initBackend();
  const files = new Map<string, Buffer>();
  for (const f of ["config.json", "model.safetensors", "vocab.txt"]) files.set(f, fs.readFileSync(path.join(FIXTURE, f)));
  files.set("README.md", Buffer.from("not downloaded"));
  repos.set("course-test/tiny-bert", { files });
  server = http.createServer(handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cache = fs.mkdtempSync(path.join(os.tmpdir(), "hub-cache-"));
});

after(() => {
  server.close();
  fs.rmSync(cache, { recursive: true, force: true });
});

test("downloads into a huggingface_hub-style cache, with progress", async () => {
  const events: DownloadProgress[] = [];
  const dir = await downloadModel("course-test/tiny-bert", { endpoint, cacheDir: cache, offline: false, onProgress: (p) => events.push(p) });
  const repoDir = path.join(cache, repoFolderName("course-test/tiny-bert"));
  assert.equal(repoFolderName("course-test/tiny-bert"), "models--course-test--tiny-bert");
  assert.equal(dir, path.join(repoDir, "snapshots", COMMIT));
  assert.equal(fs.readFileSync(path.join(repoDir, "refs", "main"), "utf8"), COMMIT);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["config.json", "model.safetensors", "vocab.txt"]); // README not fetched
  const weights = fs.readFileSync(path.join(FIXTURE, "model.safetensors"));
  assert.ok(fs.lstatSync(path.join(dir, "model.safetensors")).isSymbolicLink());
  assert.equal(fs.realpathSync(path.join(dir, "model.safetensors")), fs.realpathSync(path.join(repoDir, "blobs", sha256(weights))));
  assert.ok(fs.existsSync(path.join(repoDir, "blobs", gitSha1(fs.readFileSync(path.join(FIXTURE, "config.json"))))));
  assert.ok(events.some((e) => e.file === "model.safetensors" && e.state === "done" && e.downloaded === weights.length));
  // Loading from the snapshot gives the model.
  const model = await fromPretrained(dir);
  assert.equal(model.config.hidden_size, 32);
  model.dispose();
});

test("a second call reuses cached blobs (no GET of contents)", async () => {
  requests.length = 0;
  const events: DownloadProgress[] = [];
  await downloadModel("course-test/tiny-bert", { endpoint, cacheDir: cache, offline: false, onProgress: (p) => events.push(p) });
  assert.equal(requests.filter((r) => r.method === "GET" && !r.url.startsWith("/api/")).length, 0);
  assert.ok(events.every((e) => e.state === "cached"));
});

test("resumes a partial download with an HTTP Range request and verifies the sha256", async () => {
  const weights = fs.readFileSync(path.join(FIXTURE, "model.safetensors"));
  const blob = path.join(cache, repoFolderName("course-test/tiny-bert"), "blobs", sha256(weights));
  fs.rmSync(blob);
  const half = Math.floor(weights.length / 2);
  fs.writeFileSync(`${blob}.incomplete`, weights.subarray(0, half));
  requests.length = 0;
  const events: DownloadProgress[] = [];
  await downloadModel("course-test/tiny-bert", { endpoint, cacheDir: cache, offline: false, onProgress: (p) => events.push(p) });
  assert.ok(requests.some((r) => r.url.startsWith("/cdn/") && r.range === `bytes=${half}-`), "sent a Range request from the partial size");
  assert.ok(events.some((e) => e.state === "resumed" && e.downloaded === half));
  assert.deepEqual(fs.readFileSync(blob), weights);
  assert.ok(!fs.existsSync(`${blob}.incomplete`));
});

test("a corrupt download fails the hash check and is deleted", async () => {
  const weights = fs.readFileSync(path.join(FIXTURE, "model.safetensors"));
  const blob = path.join(cache, repoFolderName("course-test/tiny-bert"), "blobs", sha256(weights));
  fs.rmSync(blob);
  corrupt = true;
  try {
    await assert.rejects(downloadModel("course-test/tiny-bert", { endpoint, cacheDir: cache, offline: false }), /does not match the Hub's .*sha256/);
  } finally {
    corrupt = false;
  }
  assert.ok(!fs.existsSync(blob) && !fs.existsSync(`${blob}.incomplete`));
  await downloadModel("course-test/tiny-bert", { endpoint, cacheDir: cache, offline: false }); // repaired
  assert.deepEqual(fs.readFileSync(blob), weights);
});

test("offline: served from the cache without any request", async () => {
  requests.length = 0;
  const dir = await downloadModel("course-test/tiny-bert", { endpoint, cacheDir: cache, offline: true });
  assert.equal(requests.length, 0);
  assert.ok(fs.existsSync(path.join(dir, "model.safetensors")));
  // resolveModel accepts a repo id (cache) or a folder.
  assert.equal(await resolveModel("course-test/tiny-bert", { endpoint, cacheDir: cache, offline: true }), dir);
  assert.equal(await resolveModel(FIXTURE), path.resolve(FIXTURE));
});

test("unreachable Hub: falls back to the cache; not cached: a clear error naming files and the fix", async () => {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  const dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((r) => closed.close(r)); // nothing listens there now: connection refused
  const dir = await downloadModel("course-test/tiny-bert", { endpoint: dead, cacheDir: cache, offline: false });
  assert.ok(dir.endsWith(COMMIT));
  await assert.rejects(downloadModel("google/not-cached", { endpoint: dead, cacheDir: cache, offline: false }), (err: Error) => {
    assert.ok(err instanceof NotCachedError);
    assert.match(err.message, /"google\/not-cached" is not cached/);
    assert.match(err.message, /the Hub cannot be reached/);
    assert.match(err.message, /config\.json, model\.safetensors/);
    assert.match(err.message, /npx course download google\/not-cached/);
    assert.match(err.message, /HF_HOME/);
    return true;
  });
  // A snapshot missing its weights names exactly that file.
  const snap = path.join(cache, repoFolderName("course-test/tiny-bert"), "snapshots", COMMIT);
  fs.renameSync(path.join(snap, "model.safetensors"), path.join(snap, "moved"));
  try {
    await assert.rejects(downloadModel("course-test/tiny-bert", { cacheDir: cache, offline: true }), /not fully cached .*offline .*missing: model\.safetensors/);
  } finally {
    fs.renameSync(path.join(snap, "moved"), path.join(snap, "model.safetensors"));
  }
});

test("unknown repo: the Hub's 404 is reported with the repo id", async () => {
  await assert.rejects(downloadModel("nobody/nothing", { endpoint, cacheDir: cache, offline: false }), /not found \(HTTP 404\).*"nobody\/nothing"/);
});

test("sharded safetensors repos download every shard listed", async () => {
  // Build a sharded copy of the fixture with saveBert and serve it.
  const { loadBert, saveBert } = await import("../../lib/models/bert");
  const model = await loadBert(FIXTURE);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sharded-"));
  await saveBert(model, tmp, { maxShardBytes: 40_000, tokenizerFrom: null });
  model.dispose();
  const files = new Map<string, Buffer>();
  for (const f of fs.readdirSync(tmp)) files.set(f, fs.readFileSync(path.join(tmp, f)));
  for (const f of files.keys()) if (f.endsWith(".safetensors")) LFS.add(f);
  repos.set("course-test/tiny-bert-sharded", { files });
  const dir = await downloadModel("course-test/tiny-bert-sharded", { endpoint, cacheDir: cache, offline: false });
  const shards = fs.readdirSync(dir).filter((f) => /^model-\d+-of-\d+\.safetensors$/.test(f));
  assert.ok(shards.length >= 2, `several shards (${shards})`);
  const loaded = await fromPretrained("course-test/tiny-bert-sharded", { endpoint, cacheDir: cache, offline: true });
  assert.equal(loaded.loadReport.files.length, shards.length);
  assert.equal(loaded.loadReport.missing.length, 0);
  loaded.dispose();
  fs.rmSync(tmp, { recursive: true });
  assert.equal(tf().memory().numTensors >= 0, true);
});
