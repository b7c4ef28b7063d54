"""The dock panel and its parts: map tools, results model, footprints layer, quicklooks."""
