"""Plain nn.Modules: each constructor takes every hyper-parameter it uses."""
