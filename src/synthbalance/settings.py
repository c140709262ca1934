"""Project settings: https://docs.kedro.org/en/stable/kedro_project_setup/settings.html"""

import warnings

from synthbalance.framework.config_loader import ProjectConfigLoader
from synthbalance.framework.context import ProjectContext
from synthbalance.framework.run_lock import RunLockHook
from synthbalance.tracking.hooks import NodeTimesHook, ProjectMlflowHook, StrategyRunsHook

# Kedro 1.7 and kedro-mlflow 2.0 call an OmegaConf function that OmegaConf now deprecates;
# the warning repeats at every run and nothing in this project can act on it.
warnings.filterwarnings("ignore", message=r"register_new_resolver\(\) is deprecated")
# compare_strategies reads every strategy's namespaced report (strategy.<name>.report): the
# dots are Kedro's own namespacing, which the warning is about.
warnings.filterwarnings("ignore", message="One or more dataset names contain '.' characters")

# Our subclass replaces the hook kedro-mlflow registers itself, so that it runs once.
HOOKS = (RunLockHook(), ProjectMlflowHook(), StrategyRunsHook(), NodeTimesHook())
DISABLE_HOOKS_FOR_PLUGINS = ("kedro_mlflow",)  # its distribution name

# Its config loader shapes the DAG (which strategies, whether quality runs):
# synthbalance.framework.context.
CONTEXT_CLASS = ProjectContext
# `--params data_folder=PATH` moves the data folder: synthbalance.framework.config_loader.
CONFIG_LOADER_CLASS = ProjectConfigLoader
