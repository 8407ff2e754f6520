/**
 * Every notebook and solution runs in fast mode on the TensorFlow.js engine too: the engine of
 * platforms where ONNX Runtime has no binary (Intel Macs, onnxruntime-node 1.30 ships no
 * darwin/x64 build). Executed copies go to build/executed-tfjs/.
 */
import { runEveryNotebook } from "./run-notebooks";

runEveryNotebook("tfjs");
