"""How reports are shown: terminal tables, Markdown, the HTML page with its plots, diffs and
sweeps. Renderers read typed reports and never change them."""
