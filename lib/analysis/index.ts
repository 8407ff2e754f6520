/**
 * lib/analysis: looking at embedding vectors. Inputs are number[][] ([n points, d features]).
 *
 *   pca(X, { nComponents })            components, explained variance (ratio), scores
 *   pcaTransform(fit, X)               project new points onto a fitted PCA
 *   kmeans(X, k, { nInit, seed })      k-means++ + Lloyd, best of nInit restarts
 *   silhouetteScore / silhouetteSamples (Euclidean or cosine)
 *   adjustedRandIndex / normalizedMutualInfo / purity / clusteringScores
 *   kSweep(X, ks)                      inertia (elbow) and silhouette per k, suggested k
 *   cosineSimilarityMatrix / nearestNeighbors / mostSimilar
 *
 * Results match scikit-learn (tests/unit/analysis-*.test.ts): PCA components to 1e-6
 * up to sign, ARI/NMI/silhouette to 1e-9, K-Means inertia within 1% of best-of-10.
 */
export { pca, pcaTransform, pcaInverseTransform } from "./pca";
export type { PcaOptions, PcaResult, PcaSignConvention, PcaMethod } from "./pca";
export { kmeans, kmeansPlusPlus, inertiaOf } from "./kmeans";
export type { KMeansOptions, KMeansResult } from "./kmeans";
export {
  silhouetteScore,
  silhouetteSamples,
  adjustedRandIndex,
  normalizedMutualInfo,
  purity,
  clusteringScores,
  kSweep,
} from "./metrics";
export type {
  SilhouetteMetric,
  SilhouetteOptions,
  NmiAverage,
  ClusteringScores,
  KSweepOptions,
  KSweepPoint,
  KSweepResult,
} from "./metrics";
export { cosine, cosineSimilarityMatrix, nearestNeighbors, mostSimilar } from "./similarity";
export type { Neighbour } from "./similarity";
export type { Label } from "./validate";
