import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import * as viz from "../../lib/viz";

const ROOT = path.resolve(__dirname, "..", "..");

test("scatter makes one trace per group with hover text", () => {
  const fig = viz.scatter({ x: [1, 2, 3], y: [4, 5, 6], groups: ["a", "b", "a"], hover: ["p", "q", "r"] }, { title: "t" });
  assert.equal(fig.data.length, 2);
  assert.deepEqual(fig.data[0].x, [1, 3]);
  assert.deepEqual(fig.data[0].text, ["p", "r"]);
  assert.throws(() => viz.scatter({ x: [1], y: [1, 2] }), /x has 1 values but y has 2/);
});

test("figures degrade to a readable text summary", () => {
  const fig = viz.line({ train: { x: [0, 1], y: [2, 1] }, test: { x: [0, 1], y: [3, 2] } }, { title: "loss" });
  assert.equal(viz.describeFigure(fig), '[Plotly figure "loss": scatter "train" (2 points), scatter "test" (2 points)]');
  const b = viz.figureBundle(fig);
  assert.ok("application/vnd.plotly.v1+json" in b);
  assert.match(String(b["text/html"]), /window\.Plotly\.newPlot/);
  assert.ok(String(b["text/html"]).length < 12_000, "plotly.js is never inlined");
});

test("figures load plotly.js from beside an executed copy, or from the live kernel's node_modules", () => {
  const headless = viz.loaderConfig({ COURSE_PLOTLY_SRC: "plotly.min.js" }, ["node", "tslab", "kernel", "--config-path", "/tmp/course-kernel-1.json"], "/x");
  assert.equal(headless.src, "plotly.min.js");
  assert.equal(headless.kernelId, null);
  const live = viz.loaderConfig({}, ["node", "tslab", "kernel", "--config-path", "/run/user/0/jupyter/kernel-0b8e8f5a-1c2d-4e5f-9a0b-123456789abc.json"], path.join(ROOT, "notebooks"));
  assert.equal(live.src, "../node_modules/plotly.js-dist-min/plotly.min.js");
  assert.equal(live.kernelId, "0b8e8f5a-1c2d-4e5f-9a0b-123456789abc");
  assert.match(live.cdn, /^https:\/\/cdn\.jsdelivr\.net\/npm\/plotly\.js-dist-min@4\.\d+\.\d+\/plotly\.min\.js$/);
  const html = viz.figureHtml({ data: [{ type: "bar", x: ["</script>"], y: [1] }], layout: { title: { text: "a </script> title" } } }, headless);
  assert.equal(html.match(/<\/script>/g)!.length, 1, "data cannot close the script element early");
  assert.match(html, /"src":"plotly\.min\.js"/);
  // The loader runs as ES5 script text (the classic Notebook evaluates outputs with jQuery).
  assert.doesNotThrow(() => new Function(viz.loaderScript(live)));
  const script = /<script type="text\/javascript">([\s\S]*)<\/script>/.exec(html)![1];
  assert.doesNotThrow(() => new Function(script));
});

test("bar and heatmap validate their inputs", () => {
  assert.throws(() => viz.bar(["a", "b"], { s: [1] }), /series "s" has 1 values for 2 categories/);
  const h = viz.heatmap([[1, 2], [3, 4]], { xLabels: ["a", "b"], yLabels: ["c", "d"] });
  assert.equal(h.data[0].type, "heatmap");
});

test("tables: rows or DataFrame-like, HTML escaped, text fallback aligned", () => {
  const t = viz.fromRows([{ a: 1, b: "<x>" }, { a: 2.5, c: true }]);
  assert.deepEqual(t.columns, ["a", "b", "c"]);
  const html = viz.tableHtml(t);
  assert.match(html, /&lt;x&gt;/);
  assert.doesNotMatch(html, /<x>/);
  const text = viz.tableText({ columns: ["k", "v"], values: [["alpha", 1], ["b", 22]] });
  assert.equal(text, "k      v \n-----  --\nalpha  1 \nb      22");
});

test("progress prints outside a kernel and counts ticks", () => {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (s: string) => lines.push(s);
  try {
    const p = viz.progress(8, "steps");
    for (let i = 0; i < 8; i++) p.tick({ loss: 1 / (i + 1) });
    p.done();
    assert.equal(p.count, 8);
  } finally {
    console.log = orig;
  }
  assert.ok(lines.length >= 2 && lines.length <= 6, `printed ${lines.length} lines`);
  assert.match(lines[lines.length - 1], /steps \[█+\] 8\/8 100%/);
});

test("scatter: 31 groups (the FAQ's intents) get 31 distinct colour-and-marker styles", async () => {
  const { scatter, groupStyle } = await import("../../lib/viz");
  const groups = Array.from({ length: 62 }, (_, i) => `intent-${i % 31}`);
  const fig = scatter({ x: groups.map((_, i) => i), y: groups.map((_, i) => -i), groups });
  assert.equal(fig.data.length, 31);
  const styles = fig.data.map((t) => JSON.stringify({ c: (t.marker as { color: string }).color, s: (t.marker as { symbol: string }).symbol }));
  assert.equal(new Set(styles).size, 31, "every group looks different");
  assert.equal(new Set(Array.from({ length: 60 }, (_, i) => JSON.stringify(groupStyle(i)))).size, 60);
});

test("tables: a header is aligned as its column (numbers right, text left), as CSS and as the align attribute", () => {
  const html = viz.tableHtml({ columns: ["name", "score", "mixed"], values: [["a", 1.5, "x"], ["b", 22, 3]] });
  const heads = [...html.matchAll(/<th align="(\w+)"[^>]*text-align:(\w+)/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(heads, [["left", "left"], ["right", "right"], ["left", "left"]]);
  const cells = [...html.matchAll(/<td align="(\w+)"[^>]*text-align:(\w+)/g)].map((m) => m[1] + "/" + m[2]);
  assert.deepEqual(cells, ["left/left", "right/right", "left/left", "left/left", "right/right", "left/left"]);
});
