"""The rings settings that the benches of docs/mcmc.md and docs/generator.md were measured on,
before configs/rings.yaml moved to a Gaussian p0 of scale 0.42 and temperature 1
(docs/results.md): uniform p0 on [-1, 1], the paper's code's step 1 with noise 0.01, lr 1e-3
without an anneal, 3,000 iterations. Those benches pass these --set overrides first, so that
they reproduce their tables; their own overrides come after and win.
"""
PAPER_PAIRING = ["sampler.init=uniform", "sampler.init_scale=1", "sampler.step_size=1", "sampler.noise=0.01",
                 "train.lr=1e-3", "train.anneal_start=1", "train.iterations=3000"]
