/**
 * A local server pair that answers like the Hugging Face Hub and its file CDN, for the Hub client's
 * tests (nothing leaves 127.0.0.1). What it does, as the real Hub does (huggingface_hub's
 * file_download.py and _http.py are the reference for what a client must handle):
 *
 *   GET  /api/models/{repo}/revision/{rev}     {sha, siblings:[{rfilename}]}, gzip-encoded when asked
 *   GET  /api/models/{repo}/tree/{rev}         [{type, path, size, oid, lfs?}] (huggingface_hub 1.x lists this)
 *   HEAD /{repo}/resolve/{rev}/{file}          regular file: 307 with a RELATIVE Location to
 *                                              /api/resolve-cache/models/{repo}/{sha}/{file}, which
 *                                              answers with ETag (git blob sha1), X-Repo-Commit, size;
 *                                              LFS file: 302 to the SECOND origin (the "CDN") with
 *                                              X-Linked-Etag (sha256), X-Linked-Size, X-Repo-Commit and
 *                                              an ETag of its own that is not the content's
 *   renamed repos                              307 with a relative Location to the new name
 *   errors                                     X-Error-Code RepoNotFound (401 for anonymous callers, 404
 *                                              with a token), GatedRepo (401 / 403), RevisionNotFound,
 *                                              EntryNotFound; "Invalid credentials" for a bad token
 *   CDN  GET /lfs/{sha256}?X-Amz-Signature=... refuses any Authorization header (400, as S3 does with a
 *                                              signed URL), ETag = md5 (differs from the Hub's), Range
 *
 * Faults on demand: a status (429 with Retry-After, 503) for the next N matching requests, a full
 * outage, a Hub that never answers, a CDN transfer cut after K bytes or stalled after K bytes.
 */
import * as crypto from "crypto";
import * as http from "http";
import { AddressInfo } from "net";
import * as zlib from "zlib";

export const sha256 = (b: Buffer) => crypto.createHash("sha256").update(b).digest("hex");
export const gitSha1 = (b: Buffer) => crypto.createHash("sha1").update(`blob ${b.length}\0`).update(b).digest("hex");
const md5 = (b: Buffer) => crypto.createHash("md5").update(b).digest("hex");

/** The files the Hub stores with Git LFS (its .gitattributes defaults, the ones that matter here). */
export function isLfsPath(file: string): boolean {
  return /\.(safetensors|onnx|bin|h5|msgpack|ot)$/.test(file) || /\.onnx_data(_\d+)?$/.test(file);
}

export interface FakeRepo {
  id: string;
  sha: string;
  files: Map<string, Buffer>;
  /** Needs an accepted licence: resolve answers GatedRepo unless the token is in `granted`. */
  gated?: boolean;
  granted?: Set<string>;
}

export interface LoggedRequest {
  origin: "hub" | "cdn";
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  gzipped?: boolean;
}

interface StatusFault {
  match: RegExp;
  status: number;
  times: number;
  retryAfter?: string;
}

export const VALID_TOKEN = "hf_course_test_token_valid";

export class FakeHub {
  readonly repos = new Map<string, FakeRepo>();
  /** old id → new id (a renamed repo) */
  readonly renames = new Map<string, string>();
  readonly requests: LoggedRequest[] = [];
  endpoint = "";
  cdnOrigin = "";
  /** Every Hub request answers this status (an outage), when set. */
  outage: number | null = null;
  /** Hub requests get no answer at all (a stalled network) while true. */
  stallHub = false;
  private statusFaults: StatusFault[] = [];
  /** CDN transfers of matching files end after `afterBytes` (socket destroyed), `times` times. */
  cut: { match: RegExp; afterBytes: number; times: number } | null = null;
  /** CDN transfers of matching files send `afterBytes` bytes and then nothing, `times` times. */
  stallBody: { match: RegExp; afterBytes: number; times: number } | null = null;
  private hub = http.createServer((q, s) => this.onHub(q, s));
  private cdn = http.createServer((q, s) => this.onCdn(q, s));

  async start(): Promise<this> {
    await new Promise<void>((r) => this.hub.listen(0, "127.0.0.1", r));
    // The CDN is another host, as on the real Hub (cdn-lfs.hf.co, cas-bridge.xethub.hf.co): clients
    // decide by host name whether a redirect target still gets the token (huggingface_hub compares
    // host names only, not ports). Linux routes all of 127/8 to loopback; elsewhere the CDN shares
    // 127.0.0.1 and is told apart by its port only.
    const cdnHost = await new Promise<string>((resolve) => {
      this.cdn.once("error", () => this.cdn.listen(0, "127.0.0.1", () => resolve("127.0.0.1")));
      this.cdn.listen(0, "127.0.0.2", () => resolve("127.0.0.2"));
    });
    this.endpoint = `http://127.0.0.1:${(this.hub.address() as AddressInfo).port}`;
    this.cdnOrigin = `http://${cdnHost}:${(this.cdn.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of [this.hub, this.cdn]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  }

  addRepo(id: string, files: Record<string, Buffer | string>, o: { gated?: boolean; sha?: string } = {}): FakeRepo {
    const map = new Map(Object.entries(files).map(([k, v]) => [k, Buffer.isBuffer(v) ? v : Buffer.from(v)]));
    const sha = o.sha ?? crypto.createHash("sha1").update(id).update([...map.keys()].join()).digest("hex");
    const repo: FakeRepo = { id, sha, files: map, gated: o.gated, granted: new Set() };
    this.repos.set(id, repo);
    return repo;
  }

  /** The next `times` requests whose URL matches answer `status` (with Retry-After when given). */
  failNext(match: RegExp, status: number, times = 1, retryAfter?: string): void {
    this.statusFaults.push({ match, status, times, retryAfter });
  }

  clearFaults(): void {
    this.statusFaults = [];
    this.outage = null;
    this.stallHub = false;
    this.cut = null;
    this.stallBody = null;
  }

  // ------------------------------------------------------------------ the Hub

  private onHub(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? "/";
    const entry: LoggedRequest = { origin: "hub", method: req.method ?? "", url, headers: req.headers };
    this.requests.push(entry);
    if (this.stallHub) return; // never answer
    if (this.outage !== null) return void res.writeHead(this.outage, { "content-type": "text/html" }).end("<html>Service unavailable</html>");
    const fault = this.statusFaults.find((f) => f.times > 0 && f.match.test(url));
    if (fault) {
      fault.times--;
      return void res.writeHead(fault.status, fault.retryAfter !== undefined ? { "retry-after": fault.retryAfter } : {}).end();
    }
    const auth = req.headers.authorization?.replace(/^Bearer\s+/i, "");
    if (auth !== undefined && auth !== VALID_TOKEN && !auth.startsWith("hf_granted_")) {
      return void res.writeHead(401, { "x-error-message": "Invalid credentials in Authorization header" }).end();
    }
    const path = decodeURIComponent(url.split("?")[0]);
    let m = path.match(/^\/api\/models\/(.+?)\/tree\/([^/]+)(?:\/(.*))?$/);
    if (m) return this.tree(res, m[1], m[2], auth);
    m = path.match(/^\/api\/models\/(.+)\/revision\/([^/]+)$/);
    if (m) return this.listing(req, res, entry, m[1], m[2], auth);
    m = path.match(/^\/api\/resolve-cache\/models\/([^/]+(?:\/[^/]+)?)\/([0-9a-f]{40})\/(.+)$/);
    if (m) return this.regularFile(req, res, m[1], m[2], m[3]);
    m = path.match(/^\/([^/]+(?:\/[^/]+)?)\/resolve\/([^/]+)\/(.+)$/);
    if (m) return this.resolve(req, res, m[1], m[2], m[3], auth);
    m = path.match(/^\/api\/models\/(.+)$/);
    if (m) return void res.writeHead(this.repos.has(m[1]) ? 200 : 401).end(); // the online probe
    res.writeHead(404).end();
  }

  private repoOr(res: http.ServerResponse, id: string, auth: string | undefined, rev: string): FakeRepo | null {
    const repo = this.repos.get(id);
    if (!repo) {
      // Anonymous: 401 for a missing repo (it could be private); with a token: 404.
      res.writeHead(auth ? 404 : 401, { "x-error-code": "RepoNotFound", "x-error-message": "Repository not found" }).end();
      return null;
    }
    if (rev !== "main" && rev !== repo.sha) {
      res.writeHead(404, { "x-error-code": "RevisionNotFound", "x-error-message": "Invalid rev id: " + rev }).end();
      return null;
    }
    return repo;
  }

  private listing(req: http.IncomingMessage, res: http.ServerResponse, entry: LoggedRequest, id: string, rev: string, auth: string | undefined): void {
    const renamed = this.renames.get(id);
    if (renamed) return void res.writeHead(307, { location: `/api/models/${renamed}/revision/${encodeURIComponent(rev)}` }).end();
    const repo = this.repoOr(res, id, auth, decodeURIComponent(rev));
    if (!repo) return;
    const body = Buffer.from(JSON.stringify({ _id: "x", id, modelId: id, sha: repo.sha, private: false, gated: repo.gated ? "manual" : false, siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })) }));
    if (/\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) {
      entry.gzipped = true;
      const gz = zlib.gzipSync(body);
      return void res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-encoding": "gzip", "content-length": gz.length }).end(gz);
    }
    res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": body.length }).end(body);
  }

  /** GET /api/models/{repo}/tree/{rev}?recursive=true: what huggingface_hub 1.x's snapshot_download lists. */
  private tree(res: http.ServerResponse, id: string, rev: string, auth: string | undefined): void {
    const renamed = this.renames.get(id);
    if (renamed) return void res.writeHead(307, { location: `/api/models/${renamed}/tree/${encodeURIComponent(rev)}?recursive=true` }).end();
    const repo = this.repoOr(res, id, auth, decodeURIComponent(rev));
    if (!repo) return;
    const entries = [...repo.files.entries()].map(([p, b]) => ({
      type: "file",
      path: p,
      size: b.length,
      oid: isLfsPath(p) ? gitSha1(Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(b)}\nsize ${b.length}\n`)) : gitSha1(b),
      ...(isLfsPath(p) ? { lfs: { oid: sha256(b), size: b.length, pointerSize: 134 } } : {}),
    }));
    const body = Buffer.from(JSON.stringify(entries));
    res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": body.length }).end(body);
  }

  private resolve(req: http.IncomingMessage, res: http.ServerResponse, id: string, rev: string, file: string, auth: string | undefined): void {
    const renamed = this.renames.get(id);
    if (renamed) return void res.writeHead(307, { location: `/${renamed}/resolve/${encodeURIComponent(rev)}/${file}` }).end();
    const repo = this.repoOr(res, id, auth, rev);
    if (!repo) return;
    if (repo.gated && !(auth && repo.granted?.has(auth))) {
      const msg = `Access to model ${id} is restricted. You must have access to it and be authenticated to access it. Please log in.`;
      return void res.writeHead(auth ? 403 : 401, { "x-error-code": "GatedRepo", "x-error-message": msg }).end();
    }
    const body = repo.files.get(file);
    if (!body) return void res.writeHead(404, { "x-error-code": "EntryNotFound", "x-error-message": "Entry not found", "x-repo-commit": repo.sha }).end();
    if (isLfsPath(file)) {
      const note = Buffer.from(`Found. Redirecting to ${this.cdnOrigin}/lfs/...`);
      return void res
        .writeHead(302, {
          location: `${this.cdnOrigin}/lfs/${sha256(body)}?X-Amz-Signature=${md5(Buffer.from(file))}&Expires=9999999999`,
          "x-repo-commit": repo.sha,
          "x-linked-etag": `"${sha256(body)}"`,
          "x-linked-size": String(body.length),
          etag: `"${gitSha1(Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(body)}\nsize ${body.length}\n`))}"`,
          "content-length": note.length,
        })
        .end(req.method === "HEAD" ? undefined : note);
    }
    res.writeHead(307, { location: `/api/resolve-cache/models/${id}/${repo.sha}/${encodeURI(file)}`, "x-repo-commit": repo.sha }).end();
  }

  private regularFile(req: http.IncomingMessage, res: http.ServerResponse, id: string, sha: string, file: string): void {
    const repo = this.repos.get(id);
    const body = repo?.sha === sha ? repo.files.get(file) : undefined;
    if (!repo || !body) return void res.writeHead(404, { "x-error-code": "EntryNotFound" }).end();
    res.writeHead(200, { etag: `"${gitSha1(body)}"`, "x-repo-commit": repo.sha, "content-length": body.length, "content-type": "text/plain; charset=utf-8" });
    res.end(req.method === "HEAD" ? undefined : body);
  }

  // ------------------------------------------------------------------ the CDN (second origin)

  private onCdn(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? "/";
    this.requests.push({ origin: "cdn", method: req.method ?? "", url, headers: req.headers });
    if (req.headers.authorization) {
      // S3 / CloudFront with a signed URL: a second credential is an error.
      return void res.writeHead(400, { "content-type": "application/xml" }).end("<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>");
    }
    const m = url.match(/^\/lfs\/([0-9a-f]{64})\?X-Amz-Signature=/);
    const body = m ? [...this.repos.values()].flatMap((r) => [...r.files.values()]).find((b) => sha256(b) === m[1]) : undefined;
    if (!body) return void res.writeHead(403).end("<Error><Code>AccessDenied</Code></Error>");
    let start = 0;
    const range = req.headers.range?.match(/^bytes=(\d+)-$/);
    if (range) {
      start = Number(range[1]);
      if (start >= body.length) return void res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
      res.writeHead(206, { "content-length": body.length - start, "content-range": `bytes ${start}-${body.length - 1}/${body.length}`, etag: `"${md5(body)}"` });
    } else res.writeHead(200, { "content-length": body.length, etag: `"${md5(body)}"` });
    if (req.method === "HEAD") return void res.end();
    const rest = body.subarray(start);
    if (this.cut && this.cut.times > 0 && this.cut.match.test(url)) {
      this.cut.times--;
      res.write(rest.subarray(0, Math.min(this.cut.afterBytes, rest.length - 1)));
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    if (this.stallBody && this.stallBody.times > 0 && this.stallBody.match.test(url)) {
      this.stallBody.times--;
      res.write(rest.subarray(0, Math.min(this.stallBody.afterBytes, rest.length - 1))); // ... and nothing more
      return;
    }
    res.end(rest);
  }
}
