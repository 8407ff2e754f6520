/**
 * Builds the distillation pool of the course corpus and fills the teacher cache (USE Lite) for it,
 * so `course distill` and the experiments in this folder start at once. Resumable: chunks already
 * cached are skipped. Run: nice -n 10 node --import tsx models/course-sbert/explore/teacher-cache.ts
 */
import * as fs from "fs";
import * as path from "path";
import { initBackend } from "../../../lib/engine/tfjs/backend";
import { settings } from "../../../lib/env";
import { distillPool, teacherCacheDir, teacherVectors } from "../../../lib/embeddings/distill-data";
import { loadUseLite } from "../../../lib/embeddings/use-lite";

(async () => {
  await initBackend();
  const t0 = Date.now();
  const pool = distillPool("course", { seed: settings.seed });
  console.log(`pool in ${((Date.now() - t0) / 1000).toFixed(0)} s:`, JSON.stringify(pool.stats), `train ${pool.train.length}, held out ${pool.heldOut.length}`);
  const dir = teacherCacheDir("use-lite");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "pool.json"), JSON.stringify(pool));
  const use = await loadUseLite();
  const embed = (t: string[]) => (use.embed as (t: string[], b: number) => Promise<number[][]>)(t, 256);
  const log = (l: string) => console.log(new Date().toISOString().slice(11, 19), l);
  await teacherVectors("use-lite", pool.heldOut.slice(0, 2048), embed, { progress: false, log });
  await teacherVectors("use-lite", pool.train, embed, { progress: false, log });
  console.log("done", ((Date.now() - t0) / 1000).toFixed(0), "s");
})();
