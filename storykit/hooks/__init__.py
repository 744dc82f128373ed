"""storykit inside an agent tool's loop: the hooks that Claude Code, Codex CLI, Cursor
and Gemini CLI call (``storykit hook TOOL EVENT``), kept free of click and Jinja2 so a
hook answers in milliseconds."""
