/**
 * What can go wrong talking to the Hub, as classes a caller can tell apart, each with a message
 * that says what happened and what to do. The Hub names its errors in the `X-Error-Code` header
 * (huggingface_hub's hf_raise_for_status reads the same codes):
 *
 *   RepoNotFound      the repo does not exist, or is private (anonymous callers get 401 + RepoNotFound
 *                     for both, so a typo and a private repo look alike)
 *   GatedRepo         the repo exists but its licence terms must be accepted (and a token sent)
 *   RevisionNotFound  the branch, tag or commit does not exist
 *   EntryNotFound     the file does not exist at that revision
 *
 * `HubUnavailableError` (no connection, timeout, 429, 5xx) is the family where a complete cached
 * copy is used instead; `NotCachedError` is what a student sees when neither the Hub nor the cache
 * can give the model.
 */

export class HubError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = new.target.name;
  }
}

export class RepoNotFoundError extends HubError {}
export class GatedRepoError extends HubError {}
export class RevisionNotFoundError extends HubError {}
export class EntryNotFoundError extends HubError {}
/** The token (HF_TOKEN or $HF_HOME/token) was refused. */
export class InvalidTokenError extends HubError {}

/** The Hub could not answer now: no connection, a timeout, rate limiting (429) or a server error (5xx). */
export class HubUnavailableError extends HubError {}

/** A download stopped part-way (connection dropped or stalled); the partial file is kept for resuming. */
export class DownloadInterruptedError extends HubUnavailableError {}

/** The model is not (fully) in the cache and the Hub cannot be asked (offline) or cannot answer. */
export class NotCachedError extends HubError {
  constructor(
    readonly repoId: string,
    readonly missing: string[],
    readonly reason: string,
    readonly cacheDir: string,
    readonly command: string,
    partly = false,
  ) {
    super(
      `model "${repoId}" is not ${partly ? "fully " : ""}cached in ${cacheDir} and ${reason}` +
        (missing.length ? `; missing: ${missing.join(", ")}` : "") +
        `. Run \`${command}\` on a connected machine (it stores the model in $HF_HOME/hub; to use it elsewhere, copy the ` +
        `models--${repoId.split("/").join("--")} folder into that machine's $HF_HOME/hub), or set HF_HOME to a Hugging Face cache that has it.`,
    );
  }
}

/**
 * Errors after which a complete cached snapshot is used instead: any failure to get an answer, and
 * any HTTP error except "no such revision / file" (huggingface_hub's _get_metadata_or_catch_error
 * does the same: a private, gated or vanished repo still loads from the cache).
 */
export function cacheMayAnswer(err: unknown): boolean {
  if (err instanceof RevisionNotFoundError || err instanceof EntryNotFoundError || err instanceof NotCachedError) return false;
  return err instanceof HubUnavailableError || (err instanceof HubError && err.status !== undefined);
}
