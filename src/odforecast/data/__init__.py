"""Data layer: readers of official files, fetchers, the tidy schema and the bundled datasets."""
