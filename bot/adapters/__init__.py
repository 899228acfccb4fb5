"""Platform adapters: translate SDK updates into core events and core actions into SDK calls."""
