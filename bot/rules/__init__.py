"""Admin-edited rule files: typed models, a loader that reports every problem, hot reload."""
