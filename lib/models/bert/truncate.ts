/**
 * A BERT cut to its first n encoder layers: the embeddings, layers 0 … n−1 and the heads, copied;
 * the layers above dropped. DistilBERT (Sanh et al. 2019) starts its student this way (it keeps every
 * other layer); `course distill --layers` uses it when the upper layers of a student blur what its
 * lower ones carry.
 */
import { hostValues } from "../../engine/params";
import { BertModel } from "./model";

/** A new model with the first `n` encoder layers of `model` (which is left as it is). */
export function keepFirstLayers(model: BertModel, n: number): BertModel {
  const L = model.config.num_hidden_layers;
  if (!Number.isInteger(n) || n < 1 || n > L) throw new Error(`cannot keep ${n} of the model's ${L} encoder layers: choose a whole number from 1 to ${L}`);
  const out = new BertModel({ ...model.config, num_hidden_layers: n }, { heads: model.heads, seed: model.params.seed, init: false });
  for (const name of out.params.names()) {
    out.params.set(name, hostValues(model.params, name));
    out.params.setTrainable(name, model.params.isTrainable(name));
  }
  out.sourceDir = model.sourceDir;
  return out;
}
