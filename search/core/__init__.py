"""The core every room builds on: models, the facet registry, errors, settings, limits and labels.

Imports nothing from the other rooms of the package."""
