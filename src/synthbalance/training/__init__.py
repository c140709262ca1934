"""The library floor under the pipelines: classifier training and prediction, the GAN run
(set-up, the visible step and loop, checkpoints) and their distributed entry points.

It imports no pipeline; the pipelines' nodes are thin calls into it. Public API:
``classifier.train_classifier``, ``classifier.probabilities``; ``gan.train_gan``,
``gan.setup``; ``loop.gan_step``, ``loop.train_steps``; ``checkpoints``; ``ranks`` (what
each torchrun worker runs).
"""
