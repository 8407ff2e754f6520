/**
 * The Hub client against a local server pair that answers like the Hugging Face Hub and its CDN
 * (tests/unit/hub-server.ts): BERT downloads into huggingface_hub's cache layout, the redirects the
 * Hub sends (renames, resolve-cache, LFS to a second origin without the token), resume, hashes,
 * offline use, and every error a student can meet. Nothing leaves 127.0.0.1.
 */
import { test, before, after, beforeEach } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { initBackend } from "../../lib/engine/tfjs/backend";
import { settings } from "../../lib/env";
import {
  downloadModel,
  ensureModel,
  NotCachedError,
  RepoNotFoundError,
  GatedRepoError,
  RevisionNotFoundError,
  InvalidTokenError,
  HubUnavailableError,
  repoFolderName,
  resolveModel,
  DownloadProgress,
} from "../../lib/hub";
import { fromPretrained } from "../../lib/models/bert";
import { FakeHub, gitSha1, sha256, VALID_TOKEN } from "./hub-server";

const FIXTURE = path.join(__dirname, "..", "fixtures", "tiny-bert-hf");
const files = () => Object.fromEntries(["config.json", "model.safetensors", "vocab.txt"].map((f) => [f, fs.readFileSync(path.join(FIXTURE, f))]));
const weights = fs.readFileSync(path.join(FIXTURE, "model.safetensors"));
let hub: FakeHub;
let tmp = "";
let cache = "";
const notes: string[] = [];
const onNote = (l: string) => notes.push(l);

before(async () => {
  await initBackend();
  hub = await new FakeHub().start();
  hub.addRepo("course-test/tiny-bert", { ...files(), "README.md": "not downloaded" });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hub-test-"));
  cache = path.join(tmp, "hub");
  Object.assign(settings, {
    hfEndpoint: hub.endpoint,
    hubCache: cache,
    hfToken: null,
    hfTokenPath: path.join(tmp, "token"),
    forcedOffline: false,
    hubMetadataTimeout: 10,
    hubReadTimeout: 10,
    proxy: { https: null, http: null, noProxy: null },
  });
});

after(async () => {
  await hub.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  hub.clearFaults();
  hub.requests.length = 0;
  notes.length = 0;
  settings.hfToken = null;
});

const blobOf = (repo: string, b: Buffer) => path.join(cache, repoFolderName(repo), "blobs", sha256(b));

test("a BERT lands in huggingface_hub's layout: refs, blobs by etag, relative symlinks; LFS from the second origin", async () => {
  const events: DownloadProgress[] = [];
  settings.hfToken = VALID_TOKEN; // a logged-in student: the token must reach the Hub and never the CDN
  const dir = await downloadModel("course-test/tiny-bert", { onProgress: (p) => events.push(p) });
  const repoDir = path.join(cache, "models--course-test--tiny-bert");
  const sha = hub.repos.get("course-test/tiny-bert")!.sha;
  assert.equal(dir, path.join(repoDir, "snapshots", sha));
  assert.equal(fs.readFileSync(path.join(repoDir, "refs", "main"), "utf8"), sha);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["config.json", "model.safetensors", "vocab.txt"]); // README not fetched
  assert.equal(fs.readlinkSync(path.join(dir, "model.safetensors")), path.join("..", "..", "blobs", sha256(weights)));
  assert.ok(fs.existsSync(path.join(repoDir, "blobs", gitSha1(fs.readFileSync(path.join(FIXTURE, "config.json"))))), "regular files are named by their git sha1");
  assert.ok(events.some((e) => e.file === "model.safetensors" && e.state === "done" && e.downloaded === weights.length));
  // The protocol, as the Hub speaks it:
  const listing = hub.requests.find((r) => r.url.startsWith("/api/models/"))!;
  assert.ok(listing.gzipped, "the file list came gzip-encoded and was read");
  assert.ok(hub.requests.some((r) => r.url.startsWith("/api/resolve-cache/models/course-test/tiny-bert/")), "regular files followed the relative 307");
  const cdn = hub.requests.filter((r) => r.origin === "cdn");
  assert.ok(cdn.length >= 1, "the LFS file came from the second origin");
  assert.ok(cdn.every((r) => r.headers.authorization === undefined), "no request to the second origin carries Authorization");
  assert.ok(hub.requests.filter((r) => r.origin === "hub").every((r) => r.headers.authorization === `Bearer ${VALID_TOKEN}`), "every Hub request carries the token");
  const model = await fromPretrained(dir);
  assert.equal(model.config.hidden_size, 32);
  model.dispose();
});

test("a second call asks the Hub for the file list only: a snapshot never changes", async () => {
  const events: DownloadProgress[] = [];
  await downloadModel("course-test/tiny-bert", { onProgress: (p) => events.push(p) });
  assert.deepEqual(hub.requests.map((r) => r.url.split("?")[0]), [`/api/models/course-test/tiny-bert/revision/main`]);
  assert.ok(events.length === 3 && events.every((e) => e.state === "cached"));
});

test("a renamed repo (307 with a relative Location) downloads under the name asked for, like huggingface_hub", async () => {
  hub.addRepo("google-bert/bert-base-uncased", files());
  hub.renames.set("bert-base-uncased", "google-bert/bert-base-uncased");
  const dir = await downloadModel("bert-base-uncased");
  assert.ok(dir.includes(`${path.sep}models--bert-base-uncased${path.sep}snapshots${path.sep}`));
  assert.ok(fs.existsSync(path.join(dir, "model.safetensors")));
  assert.ok(hub.requests.some((r) => r.url.startsWith("/api/models/google-bert/bert-base-uncased/")), "followed the rename");
  assert.ok(hub.requests.some((r) => r.url.startsWith("/google-bert/bert-base-uncased/resolve/")));
});

test("resumes a partial download (.incomplete) with an HTTP Range request and verifies the sha256", async () => {
  const blob = blobOf("course-test/tiny-bert", weights);
  fs.rmSync(blob);
  fs.rmSync(path.join(cache, repoFolderName("course-test/tiny-bert"), "snapshots"), { recursive: true });
  const half = Math.floor(weights.length / 2);
  fs.writeFileSync(`${blob}.incomplete`, weights.subarray(0, half));
  const events: DownloadProgress[] = [];
  await downloadModel("course-test/tiny-bert", { onProgress: (p) => events.push(p) });
  assert.ok(hub.requests.some((r) => r.origin === "cdn" && r.headers.range === `bytes=${half}-`), "sent a Range request from the partial size");
  assert.ok(events.some((e) => e.state === "resumed" && e.downloaded === half));
  assert.deepEqual(fs.readFileSync(blob), weights);
  assert.ok(!fs.existsSync(`${blob}.incomplete`));
});

function forgetWeights() {
  fs.rmSync(blobOf("course-test/tiny-bert", weights), { force: true });
  fs.rmSync(`${blobOf("course-test/tiny-bert", weights)}.incomplete`, { force: true });
  fs.rmSync(path.join(cache, repoFolderName("course-test/tiny-bert"), "snapshots"), { recursive: true, force: true });
}

test("a connection cut mid-file is resumed with Range; cut every time, it says to run the same command again", async () => {
  forgetWeights();
  const match = new RegExp(sha256(weights));
  hub.cut = { match, afterBytes: 30_000, times: 1 };
  await downloadModel("course-test/tiny-bert", { onNote });
  assert.ok(hub.requests.some((r) => r.origin === "cdn" && r.headers.range === "bytes=30000-"), "resumed from the cut");
  assert.ok(notes.some((n) => /stopped at .*resuming/.test(n)), notes.join("\n"));
  assert.deepEqual(fs.readFileSync(blobOf("course-test/tiny-bert", weights)), weights);

  forgetWeights();
  hub.cut = { match, afterBytes: 20_000, times: 99 };
  await assert.rejects(downloadModel("course-test/tiny-bert", { onNote }), (err: Error) => {
    assert.match(err.message, /the connection was closed/);
    assert.match(err.message, /run the same command again to resume/);
    return true;
  });
  const partial = `${blobOf("course-test/tiny-bert", weights)}.incomplete`;
  const kept = fs.statSync(partial).size;
  assert.ok(kept >= 20_000 && kept < weights.length, `partial kept (${kept} bytes)`);
  hub.cut = null;
  hub.requests.length = 0;
  await downloadModel("course-test/tiny-bert"); // "the same command again"
  assert.ok(hub.requests.some((r) => r.origin === "cdn" && r.headers.range === `bytes=${kept}-`));
  assert.deepEqual(fs.readFileSync(blobOf("course-test/tiny-bert", weights)), weights);
});

test("a transfer that stalls is stopped by the read-inactivity limit and resumed", async () => {
  forgetWeights();
  settings.hubReadTimeout = 1.5; // short for the test; generous enough that a busy machine does not trip it
  try {
    hub.stallBody = { match: new RegExp(sha256(weights)), afterBytes: 10_000, times: 1 };
    await downloadModel("course-test/tiny-bert", { onNote });
    assert.ok(notes.some((n) => /stalled/.test(n)), notes.join("\n"));
    assert.ok(hub.requests.some((r) => r.origin === "cdn" && r.headers.range === "bytes=10000-"));
    assert.deepEqual(fs.readFileSync(blobOf("course-test/tiny-bert", weights)), weights);
  } finally {
    settings.hubReadTimeout = 10;
  }
});

test("offline: served from the cache without a request; not cached: the error names the command", async () => {
  const dir = await downloadModel("course-test/tiny-bert", { offline: true });
  assert.equal(hub.requests.length, 0);
  assert.ok(fs.existsSync(path.join(dir, "model.safetensors")));
  assert.equal(await resolveModel("course-test/tiny-bert", { offline: true }), dir);
  assert.equal(await resolveModel(FIXTURE), path.resolve(FIXTURE));
  settings.forcedOffline = true;
  try {
    await assert.rejects(fromPretrained("google/not-cached"), (err: Error) => {
      assert.ok(err instanceof NotCachedError);
      assert.match(err.message, /"google\/not-cached" is not cached .* offline \(HF_HUB_OFFLINE/);
      assert.match(err.message, /Run `npx course download google\/not-cached` on a connected machine/);
      return true;
    });
  } finally {
    settings.forcedOffline = false;
  }
  assert.equal(hub.requests.length, 0);
  // A snapshot missing its weights names exactly that file.
  const snap = path.join(cache, repoFolderName("course-test/tiny-bert"), "snapshots", hub.repos.get("course-test/tiny-bert")!.sha);
  fs.renameSync(path.join(snap, "model.safetensors"), path.join(snap, "moved"));
  try {
    await assert.rejects(downloadModel("course-test/tiny-bert", { offline: true }), /not fully cached .*missing: model\.safetensors/);
  } finally {
    fs.renameSync(path.join(snap, "moved"), path.join(snap, "model.safetensors"));
  }
});

test("outage (503) with a warm cache: the cached model loads at once, with a one-line note", async () => {
  hub.outage = 503;
  const snap = await ensureModel("course-test/tiny-bert", { kind: "bert", onNote });
  assert.equal(snap.source, "cache");
  assert.equal(hub.requests.length, 1, "no retries when the cache can answer");
  assert.equal(notes.length, 1);
  assert.match(notes[0], /HTTP 503 .*using the cached copy of course-test\/tiny-bert \(commit [0-9a-f]{7}\)/);
  const model = await fromPretrained("course-test/tiny-bert");
  assert.equal(model.config.num_hidden_layers, 2);
  model.dispose();
});

test("a Hub that never answers: the 10 s metadata limit (0.5 s here) ends the wait and the cache answers", async () => {
  hub.stallHub = true;
  settings.hubMetadataTimeout = 0.5;
  try {
    const snap = await ensureModel("course-test/tiny-bert", { kind: "bert", onNote });
    assert.equal(snap.source, "cache");
    assert.match(notes[0], /no answer within the time limit .*using the cached copy/);
  } finally {
    settings.hubMetadataTimeout = 10;
  }
});

test("unreachable Hub and nothing cached: says the Hub cannot be reached and what to run", async () => {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  settings.hfEndpoint = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((r) => closed.close(r)); // nothing listens there now: connection refused
  try {
    await assert.rejects(downloadModel("google/not-cached"), (err: Error) => {
      assert.ok(err instanceof NotCachedError, String(err));
      assert.match(err.message, /the Hub cannot be reached: could not reach http:\/\/127\.0\.0\.1:\d+ .*connection refused/);
      assert.match(err.message, /npx course download google\/not-cached/);
      return true;
    });
  } finally {
    settings.hfEndpoint = hub.endpoint;
  }
});

test("429 and 503 are retried, honouring Retry-After; a long Retry-After is reported, not waited for", async () => {
  hub.addRepo("course-test/other-bert", files());
  hub.failNext(/^\/api\/models\/course-test\/other-bert\//, 429, 1, "1");
  hub.failNext(/^\/course-test\/other-bert\/resolve\/.*config\.json/, 503, 2, "0");
  const t0 = Date.now();
  const dir = await downloadModel("course-test/other-bert", { onNote });
  assert.ok(Date.now() - t0 >= 900, "waited the 1 s the Hub asked for");
  assert.ok(fs.existsSync(path.join(dir, "config.json")));
  assert.equal(hub.requests.filter((r) => r.url.startsWith("/api/models/course-test/other-bert/")).length, 2);
  assert.ok(notes.some((n) => /HTTP 429 .*trying again in 1 s/.test(n)));
  hub.addRepo("course-test/third-bert", files());
  hub.failNext(/^\/api\/models\/course-test\/third-bert\//, 429, 1, "3600");
  await assert.rejects(downloadModel("course-test/third-bert"), /not cached .*rate-limiting requests \(HTTP 429\): it asks to wait 3600 s/);
});

test("a mistyped repo id: 401 + RepoNotFound for an anonymous caller is 'not found', with a suggestion, not 'gated'", async () => {
  await assert.rejects(downloadModel("Xenova/all-MiniLM-L6-v3"), (err: Error) => {
    assert.ok(err instanceof RepoNotFoundError, String(err));
    assert.match(err.message, /"Xenova\/all-MiniLM-L6-v3" was not found on http:\/\/127\.0\.0\.1:\d+ \(HTTP 401, RepoNotFound\)/);
    assert.match(err.message, /did you mean "Xenova\/all-MiniLM-L6-v2"\?/);
    assert.doesNotMatch(err.message, /gated|terms/);
    return true;
  });
  settings.hfToken = VALID_TOKEN;
  await assert.rejects(downloadModel("nobody/nothing"), /"nobody\/nothing" was not found .*\(HTTP 404, RepoNotFound\).*your token's account has no access/);
  settings.hfToken = "hf_expired";
  await assert.rejects(downloadModel("course-test/tiny-bert", { cacheDir: path.join(tmp, "empty") }), (err: Error) => err instanceof InvalidTokenError || (err instanceof NotCachedError && /refused your token/.test(err.message)));
});

test("a gated repo: what to do without a token, with a token not yet granted, and the download once granted", async () => {
  const repo = hub.addRepo("course-test/gated-bert", files(), { gated: true });
  await assert.rejects(downloadModel("course-test/gated-bert"), (err: Error) => {
    assert.ok(err instanceof GatedRepoError, String(err));
    assert.match(err.message, /is a gated model.*HTTP 401.*accept them.*hf auth login.*HF_TOKEN/);
    return true;
  });
  settings.hfToken = VALID_TOKEN;
  await assert.rejects(downloadModel("course-test/gated-bert"), /HTTP 403.*wait until access is granted/);
  repo.granted!.add("hf_granted_student");
  settings.hfToken = "hf_granted_student";
  hub.requests.length = 0;
  const dir = await downloadModel("course-test/gated-bert");
  assert.ok(fs.existsSync(path.join(dir, "model.safetensors")));
  assert.ok(hub.requests.filter((r) => r.origin === "cdn").every((r) => r.headers.authorization === undefined));
});

test("an unknown revision is an error even with a warm cache; the token file ($HF_HOME/token) is read", async () => {
  await assert.rejects(ensureModel("course-test/tiny-bert", { kind: "bert", revision: "v9.9" }), (err: Error) => {
    assert.ok(err instanceof RevisionNotFoundError, String(err));
    assert.match(err.message, /has no revision "v9\.9"/);
    return true;
  });
  fs.writeFileSync(settings.hfTokenPath, `${VALID_TOKEN}\n`);
  hub.requests.length = 0;
  try {
    await downloadModel("course-test/tiny-bert");
    assert.equal(hub.requests[0].headers.authorization, `Bearer ${VALID_TOKEN}`);
  } finally {
    fs.rmSync(settings.hfTokenPath);
  }
});

test("a corrupt download fails the hash check and is deleted; the next run repairs it", async () => {
  hub.addRepo("course-test/corrupt-bert", files());
  const blob = blobOf("course-test/corrupt-bert", weights);
  // Serve other bytes under the right name: the CDN answers for the sha256 the Hub announces.
  const repo = hub.repos.get("course-test/corrupt-bert")!;
  const good = repo.files.get("model.safetensors")!;
  const bad = Buffer.from(good.map((x) => x ^ 1));
  hub.addRepo("course-test/shadow", { "model.safetensors": bad });
  const realSha = sha256(good);
  hub.cut = null;
  const orig = (hub as unknown as { onCdn: (q: unknown, s: unknown) => void }).onCdn.bind(hub);
  (hub as unknown as { onCdn: (q: { url: string }, s: unknown) => void }).onCdn = (q, s) => {
    q.url = q.url.replace(realSha, sha256(bad));
    orig(q, s);
  };
  try {
    await assert.rejects(downloadModel("course-test/corrupt-bert"), /does not match the Hub's .*sha256.*deleted, run the same command again/);
  } finally {
    (hub as unknown as { onCdn: unknown }).onCdn = orig;
  }
  assert.ok(!fs.existsSync(blob) && !fs.existsSync(`${blob}.incomplete`));
  await downloadModel("course-test/corrupt-bert");
  assert.deepEqual(fs.readFileSync(blob), weights);
});

test("sharded safetensors repos download every shard listed", async () => {
  const { loadBert, saveBert } = await import("../../lib/models/bert");
  const model = await loadBert(FIXTURE);
  const shardDir = fs.mkdtempSync(path.join(os.tmpdir(), "sharded-"));
  await saveBert(model, shardDir, { maxShardBytes: 40_000, tokenizerFrom: null });
  model.dispose();
  hub.addRepo("course-test/tiny-bert-sharded", Object.fromEntries(fs.readdirSync(shardDir).map((f) => [f, fs.readFileSync(path.join(shardDir, f))])));
  const dir = await downloadModel("course-test/tiny-bert-sharded");
  const shards = fs.readdirSync(dir).filter((f) => /^model-\d+-of-\d+\.safetensors$/.test(f));
  assert.ok(shards.length >= 2, `several shards (${shards})`);
  const loaded = await fromPretrained("course-test/tiny-bert-sharded", { offline: true });
  assert.equal(loaded.loadReport.files.length, shards.length);
  assert.equal(loaded.loadReport.missing.length, 0);
  loaded.dispose();
  fs.rmSync(shardDir, { recursive: true });
});

test("HubUnavailableError is what a cold cache gets for a 503 after the retries", async () => {
  hub.addRepo("course-test/down-bert", files());
  hub.failNext(/^\/api\/models\/course-test\/down-bert\//, 503, 2, "0");
  await assert.rejects(ensureModel("course-test/down-bert", { kind: "bert", retries: 1 }), (err: Error) => {
    assert.ok(err instanceof NotCachedError && /HTTP 503/.test(err.message), String(err));
    return true;
  });
  assert.ok(HubUnavailableError);
});
