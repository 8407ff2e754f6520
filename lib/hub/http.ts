/**
 * The one HTTP client for the Hugging Face Hub (downloads, file lists, the online probe).
 *
 * It speaks the protocol the way huggingface_hub does:
 *  - requests go to settings.hfEndpoint ($HF_ENDPOINT) through undici, with the proxies from lib/env
 *    ($HTTPS_PROXY / $HTTP_PROXY / $NO_PROXY, via undici's EnvHttpProxyAgent);
 *  - the token (lib/env `hubToken()`: $HF_TOKEN, else $HF_HOME/token) is sent to the endpoint's own
 *    origin only: a redirect to another origin (the LFS CDN, the Xet bridge: signed URLs) never gets it;
 *  - metadata requests have a time limit ($HF_HUB_ETAG_TIMEOUT, 10 s); downloads a read-inactivity
 *    limit ($HF_HUB_DOWNLOAD_TIMEOUT, 10 s without a byte);
 *  - 429 and 5xx are retried with exponential back-off, honouring `Retry-After` (delay-seconds);
 *  - error answers become the classes in errors.ts, chosen by the `X-Error-Code` header.
 */
import type { Dispatcher, Response as UndiciResponse, RequestInit as UndiciRequestInit } from "undici";
import { hubToken, settings } from "../env";
import { EntryNotFoundError, GatedRepoError, HubError, HubUnavailableError, InvalidTokenError, RepoNotFoundError, RevisionNotFoundError } from "./errors";

export type HubResponse = UndiciResponse;

/** Status codes worth another try (huggingface_hub's _DEFAULT_RETRY_ON_STATUS_CODES). */
export const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
/** Tries after the first for a retryable answer; waits 1, 2, 4 s (or what Retry-After asks). */
export const DEFAULT_RETRIES = 3;
/** A Retry-After longer than this is not waited for: the error says when to try again. */
export const MAX_RETRY_AFTER_S = 60;

const USER_AGENT = "llm-course/0.1 (huggingface_hub-compatible cache; +undici)";

/** undici, loaded on first request (about 0.1-0.2 s), so importing lib/hub for an offline BERT costs nothing. */
function undici(): typeof import("undici") {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require("undici") as typeof import("undici");
}

// ---------------------------------------------------------------- connection (proxy, timeouts)

const dispatchers = new Map<string, Dispatcher>();

/** One undici dispatcher per proxy/timeout configuration (settings can change in a notebook or a test). */
export function hubDispatcher(): Dispatcher {
  const readMs = Math.round(settings.hubReadTimeout * 1000);
  const metaMs = Math.round(settings.hubMetadataTimeout * 1000);
  const key = JSON.stringify([settings.proxy, readMs, metaMs]);
  let d = dispatchers.get(key);
  if (!d) {
    const timeouts = { connect: { timeout: metaMs }, headersTimeout: Math.max(metaMs, readMs), bodyTimeout: readMs };
    const { https, http, noProxy } = settings.proxy;
    // "" (not undefined) so undici does not read process.env behind lib/env's back.
    const { Agent, EnvHttpProxyAgent } = undici();
    d = https || http ? new EnvHttpProxyAgent({ ...timeouts, httpsProxy: https ?? "", httpProxy: http ?? "", noProxy: noProxy ?? "" }) : new Agent(timeouts);
    dispatchers.set(key, d);
  }
  return d;
}

// ---------------------------------------------------------------- requests

export interface RequestContext {
  /** The Hub endpoint the request belongs to: the only origin that receives the token. */
  endpoint: string;
  /** What is being fetched, for messages ("the file list of bert-base-uncased"). */
  what: string;
  repoId: string;
  revision?: string;
  filename?: string;
}

export interface HubRequest {
  method?: "GET" | "HEAD";
  headers?: Record<string, string>;
  /** Whole-request limit in ms (metadata requests); downloads rely on the read-inactivity limit instead. */
  timeoutMs?: number;
  /** Tries after the first for 429 / 5xx (default DEFAULT_RETRIES). */
  retries?: number;
  /** "relative": follow only path-relative redirects (renamed repos, resolve-cache) and return any other 3xx;
   *  "all": follow every redirect, dropping the token when the origin changes. */
  follow: "relative" | "all";
  /** Called before waiting to retry (for progress lines). */
  onRetry?: (info: { status: number; waitS: number; attempt: number }) => void;
}

/** True for a Location that names a path on the same server ("/api/resolve-cache/..."), as huggingface_hub tests it. */
export function isRelativeLocation(location: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(location) && !location.startsWith("//");
}

/** The headers every Hub request carries; the token only for the endpoint's own origin. */
export function hubHeaders(url: string, endpoint: string, extra: Record<string, string> = {}): Record<string, string> {
  const h: Record<string, string> = { "user-agent": USER_AGENT, ...extra };
  const token = hubToken();
  if (token && new URL(url).origin === new URL(endpoint).origin) h.authorization = `Bearer ${token}`;
  return h;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Retry-After as seconds (delay-seconds form only, like huggingface_hub), or null. */
export function retryAfterSeconds(res: HubResponse): number | null {
  const v = res.headers.get("retry-after");
  if (v === null || !/^\s*\d+\s*$/.test(v)) return null;
  return Number(v);
}

/** Describes a failed fetch (no HTTP answer) in a student's words. */
export function describeNetworkError(err: unknown): string {
  const e = err as { name?: string; message?: string; code?: string; cause?: { name?: string; code?: string; message?: string } };
  const c = e.cause ?? {};
  const code = c.code ?? e.code ?? "";
  if (e.name === "TimeoutError" || e.name === "AbortError") return "no answer within the time limit";
  if (code === "UND_ERR_CONNECT_TIMEOUT") return "the connection timed out";
  if (code === "UND_ERR_HEADERS_TIMEOUT") return "the server did not answer in time";
  if (code === "UND_ERR_BODY_TIMEOUT") return "the transfer stalled (no data within the time limit)";
  if (code === "UND_ERR_SOCKET" || /other side closed|terminated/i.test(`${e.message} ${c.message}`)) return "the connection was closed";
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "the server name could not be resolved (no internet, or a wrong HF_ENDPOINT?)";
  if (code === "ECONNRESET") return "the connection was reset";
  return [code, c.message ?? e.message].filter(Boolean).join(": ") || String(err);
}

/**
 * One logical request: redirects as asked, retries for 429 / 5xx. Returns the final response
 * (which may be an error status: see `throwForStatus`); a failure to connect, a timeout or a dropped
 * connection throws HubUnavailableError.
 */
export async function hubRequest(url: string, req: HubRequest, ctx: RequestContext): Promise<HubResponse> {
  const retries = req.retries ?? DEFAULT_RETRIES;
  for (let attempt = 0; ; attempt++) {
    const res = await followRedirects(url, req, ctx);
    if (!RETRY_STATUSES.has(res.status) || attempt >= retries) return res;
    const asked = retryAfterSeconds(res);
    if (asked !== null && asked > MAX_RETRY_AFTER_S) return res; // throwForStatus says how long to wait
    const waitS = asked ?? 2 ** attempt; // 1, 2, 4 s, as huggingface_hub's http_backoff (base 1 s)
    await res.body?.cancel().catch(() => undefined);
    req.onRetry?.({ status: res.status, waitS, attempt: attempt + 1 });
    await sleep(waitS * 1000);
  }
}

async function followRedirects(start: string, req: HubRequest, ctx: RequestContext): Promise<HubResponse> {
  let url = start;
  for (let hop = 0; hop < 10; hop++) {
    const init: UndiciRequestInit = {
      method: req.method ?? "GET",
      headers: hubHeaders(url, ctx.endpoint, req.headers),
      redirect: "manual",
      dispatcher: hubDispatcher(),
      signal: req.timeoutMs ? AbortSignal.timeout(req.timeoutMs) : undefined,
    };
    let res: HubResponse;
    try {
      res = await undici().fetch(url, init);
    } catch (err) {
      throw new HubUnavailableError(`could not reach ${new URL(url).origin} for ${ctx.what}: ${describeNetworkError(err)}`);
    }
    const location = res.headers.get("location");
    if (res.status < 300 || res.status >= 400 || !location) return res;
    if (req.follow === "relative" && !isRelativeLocation(location)) return res;
    await res.body?.cancel().catch(() => undefined);
    url = new URL(location, url).toString(); // hubHeaders drops the token if this left the endpoint's origin
  }
  throw new HubError(`${ctx.what}: too many redirects (from ${start})`);
}

/** The endpoint's own description of an error, when it sent one. */
async function serverMessage(res: HubResponse): Promise<string> {
  const header = res.headers.get("x-error-message");
  if (header) return header;
  try {
    const text = (await res.text()).slice(0, 500);
    try {
      const j = JSON.parse(text) as { error?: string };
      if (typeof j.error === "string") return j.error;
    } catch {
      /* not JSON */
    }
    return /<html/i.test(text) ? "" : text.trim();
  } catch {
    return "";
  }
}

/** Throws the right HubError for a non-2xx, non-3xx response; returns for success. */
export async function throwForStatus(res: HubResponse, ctx: RequestContext): Promise<void> {
  if (res.ok || (res.status >= 300 && res.status < 400)) return;
  const code = res.headers.get("x-error-code");
  const msg = await serverMessage(res);
  const status = res.status;
  const endpoint = ctx.endpoint;
  const token = hubToken();
  const repoUrl = `${endpoint}/${ctx.repoId}`;
  if (code === "RevisionNotFound") {
    throw new RevisionNotFoundError(`"${ctx.repoId}" has no revision "${ctx.revision ?? "main"}" (HTTP ${status}). Use a branch, tag or commit listed at ${repoUrl}/tree/main, or leave --revision out for main.`, status);
  }
  if (code === "EntryNotFound") {
    throw new EntryNotFoundError(`"${ctx.repoId}" has no file "${ctx.filename ?? "?"}" at revision ${ctx.revision ?? "main"} (HTTP ${status}). See ${repoUrl}/tree/main for its files.`, status);
  }
  if (code === "GatedRepo") {
    throw new GatedRepoError(
      `"${ctx.repoId}" is a gated model: its authors ask you to accept their terms before downloading (HTTP ${status}). ` +
        `Open ${repoUrl} while logged in and accept them, then ` +
        (token ? "wait until access is granted (your token is sent, but its account has no access yet)." : "log in with `hf auth login` or set HF_TOKEN to a token of that account (https://huggingface.co/settings/tokens)."),
      status,
    );
  }
  if (status === 401 && /invalid credentials/i.test(msg)) {
    throw new InvalidTokenError(`the Hub refused your token (HTTP 401: ${msg}). Check HF_TOKEN or log in again with \`hf auth login\` (the token file is ${settings.hfTokenPath}); public models download without one.`, status);
  }
  if (code === "RepoNotFound" || status === 401 || status === 404) {
    const hint = suggestRepo(ctx.repoId);
    throw new RepoNotFoundError(
      `"${ctx.repoId}" was not found on ${endpoint} (HTTP ${status}${code ? `, ${code}` : ""}). Check the spelling: ids look like "bert-base-uncased" or "Xenova/all-MiniLM-L6-v2"` +
        (hint ? `; did you mean "${hint}"?` : ".") +
        (token ? " If it is private, your token's account has no access to it." : " If it is private, log in with `hf auth login` or set HF_TOKEN."),
      status,
    );
  }
  if (status === 429) {
    const after = retryAfterSeconds(res);
    throw new HubUnavailableError(`the Hub is rate-limiting requests (HTTP 429)${after !== null ? `: it asks to wait ${after} s` : ""}. Try again later${token ? "" : ", or log in (`hf auth login` / HF_TOKEN) for a higher limit"}.`, status);
  }
  if (status >= 500 || status === 408) {
    throw new HubUnavailableError(`the Hub answered HTTP ${status}${msg ? ` (${msg})` : ""} for ${ctx.what}: it is having trouble; try again in a few minutes.`, status);
  }
  if (status === 403) throw new HubError(`access to ${ctx.what} was refused (HTTP 403${msg ? `: ${msg}` : ""}). Check that your token (HF_TOKEN) has read access.`, status);
  throw new HubError(`${ctx.what}: HTTP ${status}${msg ? ` (${msg})` : ""}`, status);
}

// ---------------------------------------------------------------- typo help

/** The course's own model ids, for "did you mean" (kept here so the client has no upward import). */
const KNOWN_IDS = ["bert-base-uncased", "google-bert/bert-base-uncased", "Xenova/all-MiniLM-L6-v2", "Xenova/all-mpnet-base-v2", "HuggingFaceTB/SmolLM2-135M-Instruct", "onnx-community/Qwen2.5-0.5B-Instruct"];

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

/** A known id within a few edits of `repoId` (case-insensitive), or null. */
export function suggestRepo(repoId: string): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const id of KNOWN_IDS) {
    const dist = editDistance(repoId.toLowerCase(), id.toLowerCase());
    if (dist > 0 && dist < bestD) [best, bestD] = [id, dist];
  }
  return best !== null && bestD <= Math.max(2, Math.floor(repoId.length / 6)) ? best : null;
}

// ---------------------------------------------------------------- online probe

/** Whether `endpoint` gives any HTTP answer below 500 within `timeoutMs` (through the proxy). */
export async function probeHub(endpoint: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await undici().fetch(`${endpoint}/api/models/google-bert/bert-base-uncased`, {
      method: "HEAD",
      headers: { "user-agent": USER_AGENT },
      redirect: "manual",
      dispatcher: hubDispatcher(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return res.status < 500;
  } catch {
    return false;
  }
}
