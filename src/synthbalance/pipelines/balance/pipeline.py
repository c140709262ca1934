from functools import partial, update_wrapper

from kedro.pipeline import Pipeline, node

from synthbalance.core.seeding import replicate_seed
from synthbalance.framework.context import (
    quality_in_balance,
    redraw_imbalance,
    registered_generator,
    replicate,
    replicates,
    strategies_to_run,
)
from synthbalance.pipelines import (
    deepsmote,
    evaluate,
    gan,
    imbalance,
    ingest,
    quality,
    report,
    sample,
    strategies,
)


def replicate_pipeline(r: int, redraw: bool) -> Pipeline:
    """Everything replicate ``r`` draws again, under the namespace replicate_<r>: its seed,
    then (with ``redraw_imbalance``) its imbalance, its GAN (or, with ``sample.generator``,
    the registered one, loaded), samples, DeepSMOTE's autoencoder
    and samples (when ``deepsmote`` runs) and training sets."""
    seed = update_wrapper(partial(replicate_seed, replicate=r), replicate_seed)
    parts = Pipeline([node(seed, "params:seed", "seed", name="replicate_seed")])
    if redraw:
        parts += imbalance.drawn(seed="seed")
    trained = gan.from_registry() if registered_generator() else gan.create_pipeline(seed="seed")
    parts += trained + sample.create_pipeline(seed="seed")
    if "deepsmote" in strategies_to_run():
        parts += deepsmote.create_pipeline(seed="seed")
    parts += strategies.create_pipeline(seed="seed")
    inputs = parts.inputs()
    parameters = {name for name in inputs if name.startswith("params:")}
    return Pipeline(
        parts, namespace=replicate(r), inputs=inputs - parameters, parameters=parameters
    )


def create_pipeline(**kwargs) -> Pipeline:
    """Everything: ingest -> imbalance -> per replicate (gan -> sample -> strategies) ->
    evaluate (each strategy over the replicates), and quality; report last."""
    redraw = redraw_imbalance()
    per_replicate = sum((replicate_pipeline(r, redraw) for r in range(replicates())), Pipeline([]))
    return (
        ingest.create_pipeline()
        + (imbalance.labelled() if redraw else imbalance.create_pipeline())
        + per_replicate
        + evaluate.create_pipeline()
        + (quality.create_pipeline() if quality_in_balance() else Pipeline([]))
        + report.create_pipeline()
    )
