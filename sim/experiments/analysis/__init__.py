"""The analyses of a sweep's runs (reading them, global sensitivity, scenario discovery, the policy view); the command is :mod:`sim.experiments.analyze`."""
