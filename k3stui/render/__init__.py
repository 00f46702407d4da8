"""Renderers: pure functions from a Plan to file contents (data first, text second). No I/O here;
`k3stui.fsio` writes what these return."""
