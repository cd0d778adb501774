"""The domain: centers, products, proximity rules, drive time, ranking; no web or storage."""
