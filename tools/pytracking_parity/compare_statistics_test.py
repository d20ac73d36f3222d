"""compare_statistics.py's arithmetic: the success AUC as data/metrics.cc defines it, Welch's t
and its p against tabulated values, the exact permutation test, and the seed parsing of a
dimp_eval per_sequence.csv."""
import os
import tempfile
import unittest

import compare_statistics as cs


class Auc(unittest.TestCase):
    def test_perfect_and_disjoint(self):
        truth = [[0, 0, 10, 10]] * 4
        self.assertAlmostEqual(cs.auc(truth, truth), 20 / 21)  # IoU 1 is not > 1, the last threshold
        self.assertAlmostEqual(cs.auc([[50, 50, 10, 10]] * 4, truth), 0.0)

    def test_thresholds_are_strict_and_invalid_truth_is_left_out(self):
        # IoU 0.5 exactly: above thresholds 0 .. 0.45 (10 of 21), not at 0.5.
        truth = [[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 0, 0]]
        pred = [[0, 0, 10, 10], [0, 0, 10, 5], [1, 1, 1, 1]]
        self.assertAlmostEqual(cs.auc(pred, truth), (20 / 21 + 10 / 21) / 2)
        self.assertAlmostEqual(cs.iou([0, 0, 10, 10], [0, 0, float("nan"), 5]), 0.0)


class Tests(unittest.TestCase):
    def test_student_t_p_matches_tables(self):
        # Two-sided p of t with df degrees of freedom (standard tables).
        for t, df, p in ((2.0, 10, 0.07339), (2.776, 4, 0.05), (1.0, 1e6, 0.31731), (4.604, 4, 0.01)):
            self.assertAlmostEqual(cs.beta_inc(df / 2, 0.5, df / (df + t * t)), p, places=4)

    def test_welch(self):
        t, df, p = cs.welch([1, 2, 3, 4, 5], [2, 3, 4, 5, 7])
        self.assertAlmostEqual(t, -1.0776, places=4)
        self.assertAlmostEqual(df, 7.711, places=3)
        self.assertAlmostEqual(p, 0.3138, places=3)
        self.assertEqual(cs.welch([1, 1, 1], [1, 1, 1])[2], 1.0)

    def test_permutation(self):
        self.assertAlmostEqual(cs.permutation_p([1, 2, 3], [4, 5, 6]), 2 / 20)  # the two extreme splits
        self.assertAlmostEqual(cs.permutation_p([1, 2], [1, 2]), 1.0)


class OursBySeed(unittest.TestCase):
    def test_entries_naming_seeds(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "per_sequence.csv"), "w") as f:
                f.write("tracker,sequence,frames,auc,precision_20,norm_precision,ao,sr50,sr75,fps\n"
                        "dimp18[geometry=pytracking;seed=1],Crossing,120,0.5,0,0,0,0,0,1\n"
                        "dimp18[geometry=pytracking;seed=2],Crossing,120,0.25,0,0,0,0,0,1\n"
                        "csrt,Crossing,120,0.9,0,0,0,0,0,1\n")
            aucs, entries = cs.ours_by_seed(d)
            self.assertEqual(aucs, {1: {"Crossing": 0.5}, 2: {"Crossing": 0.25}})
            self.assertEqual(entries[2], "dimp18[geometry=pytracking;seed=2]")
            with open(os.path.join(d, "per_sequence.csv"), "a") as f:
                f.write("dimp18[geometry=exact;seed=3],Crossing,120,0.1,0,0,0,0,0,1\n")
            with self.assertRaises(SystemExit):
                cs.ours_by_seed(d)


if __name__ == "__main__":
    unittest.main()
