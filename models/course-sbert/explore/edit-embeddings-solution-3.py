"""Third pass: the locked cells this issue added compute their readings with a locked helper (the rule the Q4
prompt spells out, as a z-score), not with the student's `verdict`: locked code never calls student functions."""
from nbedit import P, lines, nb, pos, replace_in, save  # noqa: F401 (the scripts share nbedit.py)


replace_in("c20", """const sbertBestLayer = sbertArisByLayer.mean.map(mean).reduce((b, a, i, all) => (a > all[b] ? i : b), 0);
console.log(`course-sbert, mean pooling: the best hidden state is ${sbertBestLayer} (${mean(sbertArisByLayer.mean[sbertBestLayer]).toFixed(3)}); ` +
  `last layer vs layer 0: ${verdict(sbertArisByLayer.mean[L], sbertArisByLayer.mean[0], sigma, K_SIGMA)}; [CLS] vs mean at the last layer: ${verdict(sbertArisByPooling.cls, sbertArisByPooling.mean, sigma, K_SIGMA)}`);""",
"""/** A difference of mean ARIs in units of its noise, σ_Δ = σ·√(1/n_a + 1/n_b) (the rule of §3). */
const zOf = (a: number[], b: number[]) => (mean(a) - mean(b)) / (sigma * Math.sqrt(1 / a.length + 1 / b.length));
const sbertBestLayer = sbertArisByLayer.mean.map(mean).reduce((b, a, i, all) => (a > all[b] ? i : b), 0);
console.log(`course-sbert, mean pooling: the best hidden state is ${sbertBestLayer} (${mean(sbertArisByLayer.mean[sbertBestLayer]).toFixed(3)}); ` +
  `last layer minus layer 0: ${zOf(sbertArisByLayer.mean[L], sbertArisByLayer.mean[0]).toFixed(1)} σ_Δ; mean minus [CLS] at the last layer: ${zOf(sbertArisByPooling.mean, sbertArisByPooling.cls).toFixed(1)} σ_Δ`);""")
replace_in("d28a0002", """const firstHarm = Object.fromEntries(doseGroups.map((g) => [g, doseScales.find((s, i) => i > 0 && verdict(doseAris[g][i], doseAris[g][0], sigma, K_SIGMA) === "lower") ?? Infinity]));""",
"""const firstHarm = Object.fromEntries(doseGroups.map((g) => [g, doseScales.find((s, i) => i > 0 && zOf(doseAris[g][i], doseAris[g][0]) < -K_SIGMA) ?? Infinity]));""")
save()
print("locked readings use zOf")
