"""The project's own Kedro commands, registered as plugins register theirs (the
``kedro.project_commands`` entry point in pyproject.toml): ``kedro sweep``."""

from __future__ import annotations

from pathlib import Path

import click

from synthbalance.sweep.grid import GridError, parse
from synthbalance.sweep.plan import Sweep
from synthbalance.sweep.run import PointFailed, run_sweep


@click.group(name="synthbalance")
def commands() -> None:
    """synthbalance's project commands."""


@commands.command()
@click.option(
    "--pipelines",
    "pipeline",
    default="balance",
    show_default=True,
    help="The pipeline each point runs",
)
@click.option("--env", "-e", default=None, help="The Kedro environment (default: local)")
@click.option(
    "--grid",
    "grids",
    multiple=True,
    required=True,
    metavar='"KEY=V1,V2,..."',
    help="A parameter's dotted key and its values; several make their product",
)
@click.option(
    "--parallel",
    default=1,
    show_default=True,
    type=int,
    help="Points run at once, each a process (they share no file)",
)
@click.option(
    "--name",
    default=None,
    help="The sweep's name: its folder and MLflow run (default: the grid's keys)",
)
@click.option(
    "--airflow",
    "airflow",
    default=None,
    type=click.Path(file_okay=False),
    help="Write an Airflow DAG of the sweep (a task group per point) into this "
    "folder instead of running it",
)
@click.pass_obj
def sweep(
    metadata,
    pipeline: str,
    env: str | None,
    grids: tuple[str, ...],
    parallel: int,
    name: str | None,
    airflow: str | None,
) -> None:
    """Run PIPELINE at every point of the grid, each an ordinary `kedro run` in its own data
    folder (<data>/sweeps/NAME/<point>/), then write the advantage curve to
    <data>/08_reporting/sweeps/NAME/. Finished points are not run again."""
    project = Path(getattr(metadata, "project_path", None) or Path.cwd())
    try:
        plan = Sweep(
            project, parse(list(grids)), env=env, pipeline=pipeline, name=name, parallel=parallel
        )
        click.echo(
            f"sweep {plan.name}: {len(plan.points)} points "
            f"({', '.join(p.name for p in plan.points)})"
        )
        if airflow:
            from synthbalance.sweep.airflow import write_dag

            click.echo(f"sweep {plan.name}: wrote the Airflow DAG {write_dag(plan, Path(airflow))}")
            return
        result = run_sweep(plan)
    except (GridError, PointFailed) as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"sweep {plan.name}: ran {len(result['ran'])} points, "
        f"{len(result['skipped'])} already finished; the curve is in "
        f"{result['report_folder']} and MLflow run {result['parent_run_id']}"
    )
