"""The types a model folder's skops file may hold."""

__all__ = ["RENAMED_TYPES", "TRUSTED_TYPES"]

#: Types a model folder's skops file may hold beyond skops' own defaults (which
#: cover scikit-learn's estimators and NumPy/SciPy basics). Written out by hand,
#: not computed, so that no import or model change can widen it unnoticed; the
#: test suite fits every registered model and checks that this list covers it.
TRUSTED_TYPES = (
    # this package's phases and the functions its FunctionTransformers call
    "pipeline.selection._ensemble.EnsembleClassifier",
    "pipeline.models.neural._random_kernels.RandomKernelFeatures",
    "pipeline.models.neural._rocket.RocketClassifier",
    "pipeline.phases._balance.Balancer",
    "pipeline.phases._balance._LeanSMOTE",
    "pipeline.phases._dates.DateParts",
    "pipeline.phases._neighbours.PartitionedNeighbors",
    "pipeline.phases._outliers.ZScoreClipper",
    "pipeline.phases._outliers.ZScoreOutlierRemover",
    "pipeline.phases._prepare._ColumnsOfKind",
    "pipeline.phases._prepare._as_category",
    "pipeline.phases._prepare._as_float",
    "pipeline.phases._prepare._as_text",
    "pipeline.phases._reduce.Reducer",
    "pipeline.phases._reduce._ScatterLDA",
    "pipeline.phases._sequence.Flatten",
    "pipeline.phases._sequence.SequenceBalancer",
    "pipeline.phases._sequence.SequenceScaler",
    # imbalanced-learn
    "imblearn.over_sampling._smote.base.SMOTE",
    "imblearn.over_sampling._smote.base.SMOTENC",
    "imblearn.pipeline.Pipeline",
    # scikit-learn internals of fitted estimators that skops does not list itself
    "sklearn.compose._column_transformer.make_column_selector",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
    "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
    "sklearn.tree._tree.Tree",
    # data containers
    "numpy.dtype",
    "scipy.sparse._csr.csr_matrix",
)

#: Types this package has moved: the name a folder saved before the move stores ->
#: the name it has now. Loading reads the old name as the new one before checking
#: :data:`TRUSTED_TYPES`, so such a folder loads without trusting a name that no
#: longer exists. Add a line when a saved class moves; never remove one.
RENAMED_TYPES = {
    "pipeline.evaluation._ensemble.EnsembleClassifier": "pipeline.selection._ensemble.EnsembleClassifier",
}
