"""Reference values for the Evaluation tests, computed once with scikit-learn.

Run from the repository root:  python3 Tests/EvaluationTests/Fixtures/make_fixtures.py
It rewrites sklearn_metrics.json beside this file. The Swift tests only read the JSON.

Conventions the Swift side must match:
  * binary prediction is positive when score >= threshold;
  * multi-class prediction is numpy's argmax (ties go to the lowest class index);
  * precision/recall/F1 averages use labels=range(K) and zero_division=0 (sklearn's default
    value, without the warning); the cases here are chosen so every per-class value that the
    Swift code reports as a number is defined.
  * roc_curve thresholds start with +inf, stored as null (JSON has no infinity).
"""
import json
import pathlib
import warnings

import numpy as np
import sklearn
from sklearn import metrics

warnings.simplefilter("error")  # a warning means an undefined value slipped into a fixture


def finite_or_none(values):
    return [None if not np.isfinite(v) else float(v) for v in values]


def binary_case(name, labels, scores, threshold):
    labels = np.asarray(labels, dtype=int)
    scores = np.asarray(scores, dtype=float)
    predicted = (scores >= threshold).astype(int)
    fpr, tpr, roc_thresholds = metrics.roc_curve(labels, scores, drop_intermediate=False)
    precision, recall, pr_thresholds = metrics.precision_recall_curve(labels, scores)
    return {
        "name": name,
        "labels": labels.tolist(),
        "scores": scores.tolist(),
        "threshold": threshold,
        "accuracy": metrics.accuracy_score(labels, predicted),
        "precision": metrics.precision_score(labels, predicted),
        "recall": metrics.recall_score(labels, predicted),
        "f1": metrics.f1_score(labels, predicted),
        "specificity": metrics.recall_score(labels, predicted, pos_label=0),
        "balanced_accuracy": metrics.balanced_accuracy_score(labels, predicted),
        "confusion_matrix": metrics.confusion_matrix(labels, predicted, labels=[0, 1]).tolist(),
        "roc_auc": metrics.roc_auc_score(labels, scores),
        "average_precision": metrics.average_precision_score(labels, scores),
        "roc_curve": {
            "thresholds": finite_or_none(roc_thresholds),
            "fpr": fpr.tolist(),
            "tpr": tpr.tolist(),
        },
        "pr_curve": {
            "thresholds": pr_thresholds.tolist(),
            "precision": precision.tolist(),
            "recall": recall.tolist(),
        },
    }


def multiclass_case(name, labels, probabilities):
    labels = np.asarray(labels, dtype=int)
    probabilities = np.asarray(probabilities, dtype=float)
    k = probabilities.shape[1]
    classes = list(range(k))
    predicted = np.argmax(probabilities, axis=1)

    def prf(average):
        p, r, f, _ = metrics.precision_recall_fscore_support(
            labels, predicted, labels=classes, average=average, zero_division=0
        )
        return p, r, f

    per_p, per_r, per_f = prf(None)
    macro = prf("macro")
    weighted = prf("weighted")
    return {
        "name": name,
        "labels": labels.tolist(),
        "probabilities": probabilities.tolist(),
        "accuracy": metrics.accuracy_score(labels, predicted),
        "per_class_precision": per_p.tolist(),
        "per_class_recall": per_r.tolist(),
        "per_class_f1": per_f.tolist(),
        "per_class_roc_auc": [
            metrics.roc_auc_score((labels == c).astype(int), probabilities[:, c]) for c in classes
        ],
        "macro_precision": macro[0],
        "macro_recall": macro[1],
        "macro_f1": macro[2],
        "weighted_precision": weighted[0],
        "weighted_recall": weighted[1],
        "weighted_f1": weighted[2],
        "macro_roc_auc_ovr": metrics.roc_auc_score(
            labels, probabilities, multi_class="ovr", average="macro", labels=classes
        ),
        "confusion_matrix": metrics.confusion_matrix(labels, predicted, labels=classes).tolist(),
    }


def noisy_binary(rng, n, signal, positive_rate=0.5):
    labels = (rng.random(n) < positive_rate).astype(int)
    scores = 1 / (1 + np.exp(-(signal * (2 * labels - 1) + rng.normal(size=n))))
    return labels, scores


def rounded_simplex(probabilities, decimals):
    """Round all but the last column, and give the last column the rest, so rows still sum to ~1
    (roc_auc_score(multi_class="ovr") checks that) while the columns have many exact ties."""
    head = np.round(probabilities[:, :-1], decimals)
    return np.column_stack([head, np.clip(1 - head.sum(axis=1), 0, 1)])


def softmax(logits):
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def main():
    rng = np.random.default_rng(20261129)
    binary = []

    labels, scores = noisy_binary(rng, 200, 0.8)
    binary.append(binary_case("ties_one_decimal_n200", labels, np.round(scores, 1), 0.5))
    labels, scores = noisy_binary(rng, 57, 0.5)
    binary.append(binary_case("ties_two_decimals_n57", labels, np.round(scores, 2), 0.5))
    labels, scores = noisy_binary(rng, 300, 1.0)
    binary.append(binary_case("continuous_n300_threshold_0.3", labels, scores, 0.3))
    labels, scores = noisy_binary(rng, 120, 1.2, positive_rate=0.08)
    labels[:3] = 1  # at least three positives whatever the draw
    binary.append(binary_case("imbalanced_n120_threshold_0.7", labels, np.round(scores, 1), 0.7))
    labels = np.array([0, 1] * 10 + [1] * 3)
    binary.append(binary_case("all_scores_tied", labels, np.full(labels.size, 0.5), 0.5))
    labels = np.array([0] * 6 + [1] * 4)
    scores = np.concatenate([rng.uniform(0.0, 0.4, 6), rng.uniform(0.6, 1.0, 4)])
    binary.append(binary_case("perfectly_separated", labels, scores, 0.5))
    binary.append(binary_case("inverted", labels, 1 - scores, 0.5))
    labels = np.array([1, 0, 1, 0, 1, 1, 0, 0, 1])
    scores = np.array([0.5, 0.5, 0.49, 0.51, 0.5, 0.9, 0.1, 0.5, 0.2])
    binary.append(binary_case("scores_on_the_threshold", labels, scores, 0.5))

    multiclass = []
    labels = rng.integers(0, 3, 150)
    logits = rng.normal(size=(150, 3)) + 1.5 * np.eye(3)[labels]
    multiclass.append(multiclass_case("k3_continuous_n150", labels, softmax(logits)))
    labels = rng.integers(0, 4, 200)
    logits = rng.normal(size=(200, 4)) + 1.0 * np.eye(4)[labels]
    multiclass.append(multiclass_case("k4_ties_n200", labels, rounded_simplex(softmax(logits), 1)))
    labels = rng.integers(0, 3, 60)
    # Class 2 is strongly suppressed so it is never the argmax: its precision is 0/0, which
    # sklearn (zero_division=0) and the Swift averages both count as 0.
    logits = rng.normal(size=(60, 3)) + 1.0 * np.eye(3)[labels] - np.array([0, 0, 5.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        multiclass.append(multiclass_case("k3_class2_never_predicted", labels, softmax(logits)))
    assert multiclass[-1]["confusion_matrix"][0][2] == 0 and sum(
        row[2] for row in multiclass[-1]["confusion_matrix"]
    ) == 0

    out = {
        "generator": "make_fixtures.py",
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "binary": binary,
        "multiclass": multiclass,
    }
    path = pathlib.Path(__file__).with_name("sklearn_metrics.json")
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path} ({len(binary)} binary, {len(multiclass)} multi-class cases)")


if __name__ == "__main__":
    main()
