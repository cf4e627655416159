"""Tools for developers and tests: relative fixture dates, bundles → hook requests."""
