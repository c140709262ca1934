"""The library floor under the pipelines: classifier training and prediction, the GAN run
(set-up, the visible step and loop, checkpoints) and their distributed entry points.

It imports no pipeline; the pipelines' nodes are thin calls into it. Public API:
``classifier.train_classifier``, ``classifier.probabilities``; ``gan.train_gan``,
``gan.setup``, ``gan.train_rank`` (what each torchrun worker runs); ``gan_loop.gan_step``,
``gan_loop.train_steps``; ``checkpoints``.
"""
