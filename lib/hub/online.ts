/** Whether the Hub answers: one probe per endpoint and process, through the one HTTP client (./http.ts). */
import { settings } from "../env";
import { probeHub } from "./http";

const onlineProbes = new Map<string, Promise<boolean>>();

/**
 * Whether the Hub at settings.hfEndpoint ($HF_ENDPOINT) answers (HEAD request through the configured
 * proxy, 3 s limit; any HTTP answer below 500 counts); false when forced offline. Probed once per
 * endpoint and process.
 */
export function isOnline(): Promise<boolean> {
  if (settings.forcedOffline) return Promise.resolve(false);
  const endpoint = settings.hfEndpoint;
  let probe = onlineProbes.get(endpoint);
  if (!probe) {
    probe = probeHub(endpoint, 3000);
    onlineProbes.set(endpoint, probe);
  }
  return probe;
}
