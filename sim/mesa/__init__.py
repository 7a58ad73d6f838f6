"""The Mesa layer: the model, its agents, table collection, keyword parameters, the app."""
