/**
 * The cycles of engine-load-release.test.ts, run in a process of their own (so the allocator's settings
 * apply from the start): 15 warm-up cycles of load → run (ONNX) → release, then 50 measured ones; prints one
 * JSON line with the resident memory after each measured cycle and the tfjs tensor counts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as v8 from "v8";
import * as vm from "vm";
import { clearSessions } from "../../lib/engine/onnx/compile";
import { BertModel, loadBert, saveBert } from "../../lib/models/bert";
import { tensorCount } from "../../lib/engine/tfjs/mirror";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

/** A small BERT (~5 M parameters, 21 MB of float32) so that a leaked copy per cycle shows. */
const CONFIG = { vocab_size: 8192, hidden_size: 256, num_hidden_layers: 4, num_attention_heads: 4, intermediate_size: 512, max_position_embeddings: 64, type_vocab_size: 2 };

function settle(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().rss;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "course-load-release-"));
  try {
    const seedModel = new BertModel(CONFIG, { seed: 3 });
    await saveBert(seedModel, dir, { tokenizerFrom: null });
    seedModel.dispose();
    const ids = [Array.from({ length: 32 }, (_, i) => (i * 97) % 8192), Array.from({ length: 32 }, (_, i) => (i * 31 + 5) % 8192)];
    const cycle = async () => {
      const m = await loadBert(dir);
      const out = await m.run({ inputIds: ids }, { engine: "onnx", layers: [-1] });
      if (out.hiddenStates.get(4)!.data.length !== 2 * 32 * 256) throw new Error("unexpected output size");
      m.dispose();
      await clearSessions();
    };
    const tensorsBefore = tensorCount();
    for (let i = 0; i < 15; i++) await cycle(); // warm-up: allocator arenas, compiled code, caches
    const rss: number[] = [];
    for (let i = 0; i < 50; i++) {
      await cycle();
      rss.push(settle());
      if (process.env.COURSE_RSS_DETAIL) { const u = process.memoryUsage(); console.error(JSON.stringify({ i, rss: u.rss >> 20, heapTotal: u.heapTotal >> 20, external: u.external >> 20, ab: u.arrayBuffers >> 20 })); }
    }
    console.log(JSON.stringify({ rss, tensorsBefore, tensorsAfter: tensorCount() }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
