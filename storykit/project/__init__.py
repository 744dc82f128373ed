"""A project on disk: its config, its stories, the front-matter cache, the tracker, safe writes and the lock."""
