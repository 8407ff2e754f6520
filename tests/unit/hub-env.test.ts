/**
 * The environment a student already has for the Hub, read in lib/env the way huggingface_hub reads
 * it (XDG_CACHE_HOME, HF_HOME, HF_HUB_CACHE, HF_ENDPOINT, HF_TOKEN and the token file,
 * HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE, timeouts, proxies), and used by the one client: the online
 * probe asks HF_ENDPOINT, and requests go through HTTP(S)_PROXY unless NO_PROXY says otherwise.
 */
import { test, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { AddressInfo } from "net";
import { hubToken, readSettings, settings } from "../../lib/env";
import { isOnline } from "../../lib/hub/online";
import { ensureModel } from "../../lib/hub";
import { FakeHub } from "./hub-server";

let hub: FakeHub;
let tmp = "";

before(async () => {
  hub = await new FakeHub().start();
  hub.addRepo("course-test/tiny-bert", Object.fromEntries(["config.json", "model.safetensors", "vocab.txt"].map((f) => [f, fs.readFileSync(path.join(__dirname, "..", "fixtures", "tiny-bert-hf", f))])));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hub-env-"));
});

after(async () => {
  await hub.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test("cache locations follow huggingface_hub: HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface", () => {
  assert.equal(readSettings({}).hfHome, path.join(os.homedir(), ".cache", "huggingface"));
  const xdg = readSettings({ XDG_CACHE_HOME: "/x/cache" });
  assert.equal(xdg.hfHome, path.join("/x/cache", "huggingface"));
  assert.equal(xdg.hubCache, path.join("/x/cache", "huggingface", "hub"));
  assert.equal(xdg.hfTokenPath, path.join("/x/cache", "huggingface", "token"));
  const home = readSettings({ XDG_CACHE_HOME: "/x/cache", HF_HOME: "/y/hf" });
  assert.equal(home.hubCache, path.join("/y/hf", "hub"));
  assert.equal(readSettings({ HF_HOME: "/y/hf", HUGGINGFACE_HUB_CACHE: "/z/old" }).hubCache, "/z/old");
  assert.equal(readSettings({ HF_HOME: "/y/hf", HUGGINGFACE_HUB_CACHE: "/z/old", HF_HUB_CACHE: "/z/new" }).hubCache, "/z/new");
  assert.equal(readSettings({ HF_HOME: "/y/hf", HF_TOKEN_PATH: "/t/tok" }).hfTokenPath, "/t/tok");
});

test("offline switches: HF_HUB_OFFLINE, TRANSFORMERS_OFFLINE, COURSE_OFFLINE", () => {
  assert.equal(readSettings({}).forcedOffline, false);
  for (const k of ["HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "COURSE_OFFLINE"]) {
    assert.equal(readSettings({ [k]: "1" }).forcedOffline, true, k);
    assert.equal(readSettings({ [k]: "true" }).forcedOffline, true, k);
    assert.equal(readSettings({ [k]: "0" }).forcedOffline, false, k);
  }
});

test("endpoint, token, timeouts and proxies; bad values fail naming the variable", () => {
  const s = readSettings({ HF_ENDPOINT: "https://hf-mirror.example.org/", HF_TOKEN: " hf_abc \n", HF_HUB_ETAG_TIMEOUT: "2.5", HF_HUB_DOWNLOAD_TIMEOUT: "60", https_proxy: "http://proxy:3128", NO_PROXY: "localhost" });
  assert.equal(s.hfEndpoint, "https://hf-mirror.example.org");
  assert.equal(s.hfToken, "hf_abc");
  assert.equal(s.hubMetadataTimeout, 2.5);
  assert.equal(s.hubReadTimeout, 60);
  assert.deepEqual(s.proxy, { https: "http://proxy:3128", http: null, noProxy: "localhost" });
  assert.equal(readSettings({}).hfEndpoint, "https://huggingface.co");
  assert.equal(readSettings({ HUGGING_FACE_HUB_TOKEN: "hf_old" }).hfToken, "hf_old");
  assert.throws(() => readSettings({ HF_ENDPOINT: "huggingface.co" }), /HF_ENDPOINT="huggingface.co" is not an http\(s\) address/);
  assert.throws(() => readSettings({ HF_HUB_ETAG_TIMEOUT: "soon" }), /HF_HUB_ETAG_TIMEOUT="soon" is not a number of seconds/);
});

test("the token: HF_TOKEN first, else the file `hf auth login` writes ($HF_HOME/token), read when needed", () => {
  const s = readSettings({ HF_HOME: tmp });
  assert.equal(hubToken(s), null);
  fs.writeFileSync(path.join(tmp, "token"), "hf_from_file\n");
  assert.equal(hubToken(s), "hf_from_file", "a login after start is seen");
  assert.equal(hubToken(readSettings({ HF_HOME: tmp, HF_TOKEN: "hf_env" })), "hf_env");
  fs.rmSync(path.join(tmp, "token"));
});

test("isOnline asks HF_ENDPOINT (a mirror), not huggingface.co", async () => {
  const saved = { ...settings };
  try {
    Object.assign(settings, { forcedOffline: false, hfEndpoint: hub.endpoint, proxy: { https: null, http: null, noProxy: null } });
    hub.requests.length = 0;
    assert.equal(await isOnline(), true);
    assert.ok(hub.requests.some((r) => r.method === "HEAD" && r.url.startsWith("/api/models/")), "probed the mirror");
    settings.forcedOffline = true;
    assert.equal(await isOnline(), false);
  } finally {
    Object.assign(settings, saved);
  }
});

test("requests go through HTTP(S)_PROXY (undici's EnvHttpProxyAgent); NO_PROXY bypasses it", async () => {
  const tunnels: string[] = [];
  const sockets = new Set<net.Socket>();
  const proxy = http.createServer((req, res) => res.writeHead(501).end()); // this proxy only tunnels
  proxy.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push(req.url ?? "");
    const [host, port] = (req.url ?? "").split(":");
    const upstream = net.connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => s.destroy());
      s.on("close", () => sockets.delete(s));
    }
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const saved = { ...settings };
  try {
    Object.assign(settings, { forcedOffline: false, hfEndpoint: hub.endpoint, hubCache: path.join(tmp, "hub"), hfToken: null, hfTokenPath: path.join(tmp, "none"), proxy: { https: null, http: proxyUrl, noProxy: null } });
    const snap = await ensureModel("course-test/tiny-bert", { kind: "bert" });
    assert.equal(snap.source, "hub");
    const hubHost = new URL(hub.endpoint).host;
    const cdnHost = new URL(hub.cdnOrigin).host;
    assert.ok(tunnels.includes(hubHost), `the Hub was reached through the proxy (${tunnels})`);
    assert.ok(tunnels.includes(cdnHost), "and so was the CDN");
    tunnels.length = 0;
    settings.proxy = { https: null, http: proxyUrl, noProxy: "127.0.0.1" };
    await ensureModel("course-test/tiny-bert", { kind: "bert" });
    assert.deepEqual(tunnels, [], "NO_PROXY=127.0.0.1 goes direct");
  } finally {
    Object.assign(settings, saved);
    for (const s of sockets) s.destroy();
    await new Promise((r) => proxy.close(r));
  }
});
