"""k3stui: plan, validate, render and install a K3s pod network."""

__version__ = "0.1.0"
