"""notecheck: checks facet-joint procedure notes for what a payer requires, before the claim goes out."""

__version__ = "0.1.0"
