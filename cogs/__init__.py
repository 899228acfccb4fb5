"""Feature modules ("cogs"), one package per feature, each with a `setup(host)`."""
