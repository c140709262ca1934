"""GAN and classifier training under PyTorch's DistributedDataParallel, launched by torchrun.

With ``world_size`` > 1 in ``gan`` or ``classifier`` parameters, the node hands its inputs to
``launch.run_ranks``, which starts ``torchrun --standalone --nproc_per_node=<world_size> -m
synthbalance.distributed <job folder>``. Each worker (``__main__.py``) joins the process group
(gloo on a CPU, NCCL on GPUs), runs the function it was handed (``training.gan.train_rank``,
``training.classifier.train_rank``) with its ``rank.Rank``, and rank
0 alone writes the result the node returns. docs/distributed.md tells the whole story.
"""

from synthbalance.distributed.launch import DistributedTrainingError, run_ranks
from synthbalance.distributed.rank import SINGLE, Rank

__all__ = ["SINGLE", "DistributedTrainingError", "Rank", "run_ranks"]
