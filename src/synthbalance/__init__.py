"""synthbalance: does GAN-generated data of the rare classes train a better classifier?"""

__version__ = "0.1.0"
