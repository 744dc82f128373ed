"""A story file and its parts: the front matter model, Markdown editing, storykit's regions, evidence, templates."""
