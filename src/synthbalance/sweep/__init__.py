"""``kedro sweep``: one command runs the pipeline at every point of a grid of parameters and
draws where GAN rebalancing stops paying (docs/sweeps.md)."""
