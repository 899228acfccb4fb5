"""The platform-neutral core: refs, events, actions, context, pipeline, dispatch, cogs, commands."""
