"""Use cases, one module each: they load, decide through ``storykit.core``, run, and save; they return values."""
