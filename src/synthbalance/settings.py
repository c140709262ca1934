"""Project settings: https://docs.kedro.org/en/stable/kedro_project_setup/settings.html"""

from synthbalance.hooks import TypedParamsMlflowHook

# Our subclass replaces the hook kedro-mlflow registers itself, so that it runs once.
HOOKS = (TypedParamsMlflowHook(),)
DISABLE_HOOKS_FOR_PLUGINS = ("kedro_mlflow",)  # its distribution name
