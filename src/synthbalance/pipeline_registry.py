"""Every pipeline is a package under pipelines/, found by name, so that
``kedro run --pipelines <name>`` imports only the packages it needs (Kedro 1.5+).

A stage's pipeline run alone (``kedro run --pipelines ingest,imbalance,gan,sample``) is its
slice of ``balance``: the same nodes, the same dataset names, so it writes the files that
``balance`` writes and reads those that earlier stages wrote. Where ``balance`` runs a stage
once per replicate, the slice is replicate 0's (``replicate_0.gan``, …), with the node that
makes that replicate's seed.
"""

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

FIRST = "replicate_0"
# Each stage's namespaces in `balance` (a name also takes what is nested under it).
STAGES = {
    "ingest": ("ingest",),
    "imbalance": ("imbalance", f"{FIRST}.imbalance"),
    "gan": (f"{FIRST}.gan",),
    "sample": (f"{FIRST}.sample",),
    "deepsmote": (f"{FIRST}.deepsmote",),
    "strategies": (f"{FIRST}.strategy",),
    "evaluate": ("strategy", "evaluate"),
    "quality": ("quality",),
    "report": ("report",),
}


def register_pipelines() -> dict[str, Pipeline]:
    pipelines = find_pipelines(raise_errors=True)
    if pipelines.keys() & STAGES.keys():
        from synthbalance.pipelines.balance import create_pipeline as balance

        whole = pipelines.get("balance") or balance()
        for name in pipelines.keys() & STAGES.keys():
            part = stage_of(whole, STAGES[name])
            if part.nodes:  # else not in this environment's balance (quality off): its own
                pipelines[name] = part
    if "balance" in pipelines:
        pipelines["__default__"] = pipelines["balance"]
    return pipelines


def stage_of(whole: Pipeline, namespaces: tuple[str, ...]) -> Pipeline:
    """The nodes of ``whole`` under ``namespaces``, and the seed of replicate 0 when one of
    them is replicate 0's."""

    def under(node) -> bool:
        space = node.namespace or ""
        return any(space == name or space.startswith(f"{name}.") for name in namespaces)

    seeded = any(name.startswith(f"{FIRST}.") for name in namespaces)
    seed = f"{FIRST}.replicate_seed"
    return Pipeline([n for n in whole.nodes if under(n) or (seeded and n.name == seed)])
